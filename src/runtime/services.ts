import type { DatabasePool } from 'slonik';
import { randomUUID } from 'node:crypto';
import type { ApiServices } from '../api/api-services.ts';
import type { WorkerServices } from '../worker/start-worker.ts';
import pino from 'pino';
import type { CommandDeps } from '../commands/command-deps.ts';
import type { EventStore } from '../event-store/port.ts';
import { createBallotScreen, type FraudOptions } from '../commands/fraud/create-screen.ts';
import { HttpNationalRegistry } from '../adapters/national-registry/http-registry.ts';
import { PollCache } from '../adapters/poll-cache/poll-cache.ts';
import { CredentialKeys } from '../adapters/credential-keys.ts';
import { recordHandovers } from '../audit/key-handover.ts';
import { loadAuditKeys, type AuditKeyRing, type AuditKeySource } from '../audit/signing-key.ts';
import { loadOrCreateSecret } from '../db/secrets.ts';
import { createSqlPool } from '../db/slonik.ts';
import { loadVoterKeys, type VoterKeySource } from '../adapters/voter-keys.ts';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookTargets } from '../adapters/webhook-targets.ts';
import { voteTokenRegistry } from '../adapters/vote-tokens/index.ts';
import { noMailer, type Mailer } from '../adapters/mail/port.ts';
import { VerifiedEmails } from '../commands/users/verified-emails.ts';
import { POSTGRES_PROJECTIONS, startProjections, type PostgresProjection, type ProjectionLogger, type Projections } from '../projections/index.ts';
import { waitForCheckpoints } from '../projections/runner/checkpoint-wait.ts';
import type { ResultsCache } from '../projections/to-redis/results-cache.ts';
import { openCountryDatabase, type CountryDatabase } from '../adapters/geo/country-database.ts';

/**
 * Every port a Pollster process uses, built once from the opened stores and passed down: the API
 * (src/api/api-services.ts) and the worker (WorkerServices) each say what they take; the CLI
 * takes what it needs from here. Nothing is a module singleton.
 */
export interface Services extends ApiServices, WorkerServices {
  secrets: ApiServices['secrets'];
  /** The projection workers, where this process runs them (single-process mode, tests). */
  projections: Projections | undefined;
  close(): Promise<void>;
}

export interface ServiceOptions {
  store: EventStore;
  databaseUrl: string;
  registryUrl: string;
  /** Overrides the generated key kept in the `secrets` table. */
  jwtSecret?: string;
  /**
   * Where the audit key ring lives (AUDIT_SIGNING_KEY, AUDIT_SIGNING_KEY_FILE or
   * `<data dir>/keys/audit-signing-key`). Unset (tests, tools on a throwaway database): a file under
   * the system's temporary folder named after the database, as for the voter keys.
   */
  auditKeys?: AuditKeySource;
  sqlPoolSize?: number;
  /**
   * Where the voter key ring lives (VOTER_KEY, VOTER_KEY_FILE or `<data dir>/keys/voter-key`).
   * Unset (tests, tools on a throwaway database): a file under the system's temporary folder named
   * after the database, so every process on one database shares it.
   */
  voterKeys?: VoterKeySource;
  /** Where a key generated or moved out of the database is announced (the operator must back it up). */
  keyLog?: (line: string) => void;
  runProjections?: boolean;
  /**
   * Projections this process runs elsewhere than on this thread (`pollster start`'s worker thread,
   * src/runtime/worker-thread.ts): read-your-writes and the status wait for them. Ignored with runProjections.
   */
  projectionsElsewhere?: Projections;
  /** The projections to run (default POSTGRES_PROJECTIONS); src/runtime/live.ts attaches the live fan-out. */
  projections?: readonly PostgresProjection[];
  resultsCache?: ResultsCache;
  logger?: ProjectionLogger;
  /** Velocity detection and challenges on castBallot (src/commands/fraud); absent = off. */
  fraud?: FraudOptions;
  /** WEBHOOK_ALLOWED_NETWORKS: private networks milestone webhooks may reach (on-premises receivers). */
  webhookAllowedNetworks?: readonly string[];
  /** Where verification codes go (src/adapters/mail); absent = this process sends no mail (503). */
  mailer?: Mailer;
  /** How long readModelsAt waits before failing with projection.timeout (a 503; default 5 s). */
  readModelsTimeoutMs?: number;
  /**
   * With no projections in this process (`pollster serve`): readModelsAt waits at most this long
   * for the workers' checkpoints to pass the command's position (src/projections/runner/checkpoint-wait.ts),
   * then answers anyway. Unset: it does not wait.
   */
  workersWaitMs?: number;
  maxVoteTokensPerPoll?: number;
  /** VOTE_TOKENS_IN_MEMORY: issued token hashes kept in memory (default 500,000; 0 = none). */
  voteTokensInMemory?: number;
  /** GEOIP_COUNTRY_DB: an MMDB country database to use instead of the one shipped with the package. */
  countryDatabaseFile?: string;
}

const silentLogger = pino({ level: 'silent' });

export async function createServices(options: ServiceOptions): Promise<Services> {
  const sql = await createSqlPool(options.databaseUrl, { maximumPoolSize: options.sqlPoolSize ?? 8 });
  const voterKeys = await loadVoterKeys(
    sql,
    options.voterKeys ?? { file: join(tmpdir(), 'pollster-voter-keys', createHash('sha256').update(options.databaseUrl).digest('hex').slice(0, 24)) },
    options.keyLog ?? ((line) => (options.logger ?? silentLogger).info(line)),
  );
  const auditKeys = await loadAuditKeys(
    sql,
    options.auditKeys ?? { file: join(tmpdir(), 'pollster-audit-keys', createHash('sha256').update(options.databaseUrl).digest('hex').slice(0, 24)) },
    options.keyLog ?? ((line) => (options.logger ?? silentLogger).info(line)),
  );
  // Before the new key signs anything: the previous key hands over to it in the log.
  await recordHandovers(options.store, auditKeys.all, new Date());
  const voteTokens = voteTokenRegistry(options.store, sql, { inMemory: options.voteTokensInMemory });
  const polls = new PollCache(options.store, { tokens: voteTokens });
  await polls.start();
  const commands: CommandDeps = {
    store: options.store,
    polls,
    voteTokens,
    ...(options.maxVoteTokensPerPoll !== undefined ? { maxVoteTokensPerPoll: options.maxVoteTokensPerPoll } : {}),
    now: () => new Date(),
    newId: randomUUID,
    webhookTargets: webhookTargets(options.webhookAllowedNetworks),
    voterKeyId: voterKeys.current,
    credentialKeys: new CredentialKeys(sql, voterKeys),
  };
  if (options.fraud) commands.fraud = createBallotScreen(options.fraud, await loadOrCreateSecret(sql, 'challenge-hmac'));
  const projections = options.runProjections
    ? startProjections({ store: options.store, sql, logger: options.logger ?? silentLogger, ...(options.projections ? { projections: options.projections } : {}) })
    : options.projectionsElsewhere;
  return {
    store: options.store,
    sql,
    databaseUrl: options.databaseUrl,
    commands,
    registry: new HttpNationalRegistry({ baseUrl: options.registryUrl }),
    projections,
    readModelsAt: projections
      ? (position) => projections.waitForPosition(position, { timeoutMs: options.readModelsTimeoutMs ?? 5_000 })
      : workersAt(sql, options),
    ...(options.resultsCache ? { resultsCache: options.resultsCache } : {}),
    mailer: options.mailer ?? noMailer,
    verifiedEmails: new VerifiedEmails(options.store),
    countries: openCountryDatabase(options.countryDatabaseFile),
    secrets: {
      identityKey: voterKeys.key(voterKeys.base),
      voterKeys,
      jwtSecret: options.jwtSecret ?? (await loadOrCreateSecret(sql, 'jwt')),
      auditKey: auditKeys.current,
      auditKeys,
    },
    async close() {
      await projections?.stop();
      await polls.stop();
      await options.mailer?.close?.();
      await sql.end();
    },
  };
}

/** readModelsAt of a process without projections: the workers' checkpoints, or no wait at all. */
function workersAt(sql: DatabasePool, options: Pick<ServiceOptions, 'workersWaitMs' | 'projections' | 'logger'>): (position: bigint) => Promise<void> {
  const timeoutMs = options.workersWaitMs;
  if (timeoutMs === undefined) return async () => {};
  const names = (options.projections ?? POSTGRES_PROJECTIONS).map((p) => p.name);
  const logger = options.logger ?? silentLogger;
  // The command has committed: neither a slow worker nor a failed read of the checkpoints may turn its answer into an error.
  return async (position) => {
    try {
      if (await waitForCheckpoints(sql, position, { names, timeoutMs })) return;
      logger.warn({ position: String(position), waitedMs: timeoutMs }, 'the read models did not reach a command within the wait: no worker running, or one behind');
    } catch (error) {
      logger.warn({ err: error, position: String(position) }, 'could not read the checkpoints to wait for the read models');
    }
  };
}
