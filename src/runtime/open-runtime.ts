import type { Logger } from 'pino';
import { sql } from 'slonik';
import type { HealthChecks } from '../api/routes/health.ts';
import type { EventStore } from '../event-store/port.ts';
import type { Projections } from '../projections/index.ts';
import { startRegistrySandbox } from '../adapters/national-registry/sandbox/index.ts';
import { mailerFor } from './mailer.ts';
import { fraudSettingsFrom } from '../commands/fraud/settings.ts';
import type { Config } from '../config.ts';
import { join } from 'node:path';
import { type Database, openDatabase } from './database.ts';
import { openEventStore } from './event-store.ts';
import { auditKeySource } from './audit-keys.ts';
import { createLiveInfrastructure, type LiveInfrastructure } from './live.ts';
import { createLogger } from './logger.ts';
import { createServices, type Services } from './services.ts';

export interface Runtime {
  logger: Logger;
  store: EventStore;
  live: LiveInfrastructure;
  services: Services;
  healthChecks: HealthChecks;
  /** Closes in reverse order of opening: services, live, store, sandbox, database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Run the projections (with the live fan-out) unpartitioned in this process: the single-process mode. */
  runProjections: boolean;
  /** Start the bundled sandbox registry when REGISTRY_URL is unset (processes that verify national ids). */
  sandboxRegistry: boolean;
  sqlPoolSize?: number;
  /**
   * A database this process has opened and migrated already (the main thread's, for `pollster
   * start`'s worker thread): used as it is, without checking the migrations again or closing it.
   */
  openedDatabaseUrl?: string;
  /** Names the thread on every log line (`pollster start`'s worker thread logs beside the main one). */
  thread?: string;
  /** For a loop of its own: the least time between two reads' starts while pages come back short (src/event-store/postgres/read.ts); without it, a 10 ms pause after each batch. */
  subscriptionSettleMs?: number;
  /** Projections running on another thread of this process (services.ts, `projectionsElsewhere`). */
  projectionsElsewhere?: Projections;
  /** An API without projections (`pollster serve`): read-your-writes waits this long at most for the workers (services.ts). */
  workersWaitMs?: number;
}

/**
 * The subscriptions of a process whose event loop runs only the projections and jobs (`pollster
 * worker`, `pollster start`'s worker thread) apply a batch in a moment and would read the next at
 * once: while pages come back short, they read at most once in this long (read.ts; where the API
 * shares the loop, a 10 ms pause after each batch instead), so their batches, a transaction and a
 * NATS publish per poll each, stay as large as on a busy loop (bench/HISTORY.md, "Ingest, run by run").
 */
export const WORKER_SETTLE_MS = 45;

/** The database of this process, migrated, with the start-up lines that say which one. */
async function openOwnDatabase(config: Config, logger: Logger): Promise<Database> {
  logger.info(
    { mode: config.mode, eventStore: config.EVENT_STORE, dataDir: config.mode === 'embedded' ? config.dataDir : undefined },
    config.mode === 'embedded'
      ? `embedded mode: own PostgreSQL under ${config.dataDir}, in-process counters and bus`
      : `full-stack mode: PostgreSQL, ${config.REDIS_URL ? 'Redis' : 'no Redis'}, ${config.NATS_URL ? 'NATS' : 'in-process bus'}`,
  );
  const database = await openDatabase(config, logger, { exclusive: true });
  logger.info({ database: database.location }, `data in ${database.location}`);
  return database;
}

/** Another thread's database: opened, migrated and closed by its owner. */
const borrowed = (url: string): Database => ({ url, location: url, close: async () => {} });

// A registry URL for processes that verify no national ids (worker, edge): never called.
const NO_REGISTRY = 'http://registry.invalid';

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const root = await createLogger(config);
  const logger = options.thread ? root.child({ thread: options.thread }) : root;
  const database = options.openedDatabaseUrl === undefined ? await openOwnDatabase(config, logger) : borrowed(options.openedDatabaseUrl);
  const store = await openEventStore(config, database.url, options.subscriptionSettleMs !== undefined ? { settleMs: options.subscriptionSettleMs } : {});
  const live = await createLiveInfrastructure(config, { logger: logger.child({ component: 'live' }) });
  const sandbox = options.sandboxRegistry && !config.REGISTRY_URL ? await startRegistrySandbox() : undefined;
  if (sandbox) logger.warn({ registry: sandbox.url }, 'REGISTRY_URL not set: national IDs are checked against the sandbox registry');
  // The processes that serve the accounts API (those that verify national ids) also mail codes.
  const mailer = options.sandboxRegistry ? mailerFor(config, logger.child({ component: 'mail' })) : undefined;
  const services = await createServices({
    store,
    databaseUrl: database.url,
    registryUrl: config.REGISTRY_URL ?? sandbox?.url ?? NO_REGISTRY,
    ...(config.JWT_SECRET ? { jwtSecret: config.JWT_SECRET } : {}),
    auditKeys: auditKeySource(config),
    ...(live.resultsCache ? { resultsCache: live.resultsCache } : {}),
    sqlPoolSize: options.sqlPoolSize ?? config.DATABASE_POOL_SIZE,
    keyLog: (line) => logger.warn({ component: 'keys' }, line),
    voterKeys: config.VOTER_KEY ? { value: config.VOTER_KEY } : { file: config.VOTER_KEY_FILE ?? join(config.dataDir, 'keys', 'voter-key') },
    webhookAllowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS?.split(',').map((n) => n.trim()) ?? [],
    ...(mailer ? { mailer } : {}),
    runProjections: options.runProjections,
    ...(options.projectionsElsewhere ? { projectionsElsewhere: options.projectionsElsewhere } : {}),
    ...(options.workersWaitMs !== undefined ? { workersWaitMs: options.workersWaitMs } : {}),
    maxVoteTokensPerPoll: config.VOTE_TOKENS_MAX_PER_POLL,
    voteTokensInMemory: config.VOTE_TOKENS_IN_MEMORY,
    ...(config.GEOIP_COUNTRY_DB ? { countryDatabaseFile: config.GEOIP_COUNTRY_DB } : {}),
    projections: live.projections,
    logger: logger.child({ component: 'projections' }),
    // Velocity counts in Redis when there is one (shared by every API node), else in this process.
    fraud: { settings: fraudSettingsFrom(config), ...(live.redis ? { redis: live.redis } : {}), logger: logger.child({ component: 'fraud' }) },
  });
  const { current, where } = services.secrets.auditKeys;
  // The line an auditor compares with the fingerprint they pinned (README.md, "Audit").
  logger.info({ component: 'audit', keyId: current.keyId, keySource: where }, `audit signing key fingerprint ${current.keyId} (from ${where})`);
  return {
    logger,
    store,
    live,
    services,
    healthChecks: {
      required: {
        eventStore: async () => {
          await store.headPosition();
        },
        database: async () => {
          await services.sql.query(sql.unsafe`SELECT 1`);
        },
      },
      degraded: {
        ...(live.redis ? { redis: async () => void (await live.redis!.ping()) } : {}),
        ...(live.bus.ping ? { nats: () => live.bus.ping!() } : {}),
      },
    },
    async close() {
      await services.close();
      await live.close();
      await store.close();
      await sandbox?.close();
      await database.close();
    },
  };
}
