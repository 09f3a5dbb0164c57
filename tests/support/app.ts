import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp, type HttpSettings } from '../../src/api/app.ts';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer.ts';
import type { Mailer } from '../../src/adapters/mail/port.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import type { FraudOptions } from '../../src/commands/fraud/create-screen.ts';
import { startRegistrySandbox, type RegistrySandbox } from '../../src/adapters/national-registry/sandbox/index.ts';
import { liveProjections } from '../../src/runtime/live.ts';
import { createServices, type Services } from '../../src/runtime/services.ts';
import type { LiveBus } from '../../src/projections/to-nats/live-bus.ts';
import { RedisResultsCache } from '../../src/projections/to-redis/results-cache.ts';
import type { RedisResultsStore } from '../../src/projections/to-redis/results-store.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: TestDatabase;
  registryUrl: string;
  /** The sandbox registry itself, to stage outages (`failNext`). */
  registry: RegistrySandbox;
  /** Where the app's mail goes unless the test gave a mailer: an outbox folder of its own. */
  outbox: string;
  close(): Promise<void>;
}

/** Optional live side: a bus (and Redis results) the `results` projection fans out to; the API then reads Redis first. */
export interface TestLive {
  bus: LiveBus;
  redis?: RedisResultsStore;
}

/**
 * How long a command waits for the read models in tests, instead of the 5 s a client gets. Any
 * open transaction on the PostgreSQL server holds every reader of `$all` back, whichever database
 * it is in, and the test server is shared: with other files, other checkouts' runs, and tests that
 * hold such a transaction on purpose. Under that a projection can fall more than 5 s behind on a
 * busy 2-core machine, which these tests do not check; the test's own timeout still bounds it.
 */
export const TEST_READ_MODELS_TIMEOUT_MS = 30_000;

/**
 * The whole API on a fresh database of its own, with the sandbox national registry: what the
 * e2e specs drive through `app.inject`. `fraud`: velocity detection on castBallot (off unless a test is about it).
 * `options.mailer`: where verification codes go (default: the outbox adapter in a temporary folder);
 * `options.logger`: the app's (default silent).
 */
export async function createTestApp(
  http: Partial<HttpSettings> = {},
  live?: TestLive,
  fraud?: FraudOptions,
  options: { mailer?: Mailer; logger?: Logger; voteTokensInMemory?: number } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const registry = await startRegistrySandbox();
  const store = new PostgresEventStore({ connectionString: db.url });
  const outbox = join(tmpdir(), `pollster-outbox-${randomUUID()}`);
  const services = await createServices({
    store, databaseUrl: db.url, registryUrl: registry.url, runProjections: true,
    ...(live ? { projections: liveProjections(live) } : {}),
    ...(live?.redis ? { resultsCache: new RedisResultsCache(live.redis, pino({ level: 'silent' })) } : {}),
    ...(fraud ? { fraud } : {}),
    mailer: options.mailer ?? new OutboxMailer({ dir: outbox }),
    readModelsTimeoutMs: TEST_READ_MODELS_TIMEOUT_MS,
    ...(options.voteTokensInMemory !== undefined ? { voteTokensInMemory: options.voteTokensInMemory } : {}),
  });
  // Rate limits off unless a test is about them: e2e tests send many requests from one address.
  const app = await buildApp({
    logger: options.logger ?? pino({ level: 'silent' }),
    services,
    healthChecks: { required: {} },
    http: { ballotsPerMinute: 0, authPerMinute: 0, joinPerMinute: 0, proofsPerMinute: 0, ...http },
    ...(live ? { live: { bus: live.bus } } : {}),
  });
  await app.ready();
  return {
    app,
    services,
    db,
    registryUrl: registry.url,
    registry,
    outbox,
    async close() {
      await app.close();
      await services.close();
      await store.close();
      await registry.close();
      await db.drop();
      await rm(outbox, { recursive: true, force: true });
    },
  };
}
