import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../../src/api/app.ts';
import type { LiveSettings } from '../../../src/api/live/index.ts';
import { PostgresEventStore } from '../../../src/event-store/postgres/postgres-event-store.ts';
import { startRegistrySandbox } from '../../../src/adapters/national-registry/sandbox/index.ts';
import { NatsLiveBus } from '../../../src/projections/to-nats/nats-live-bus.ts';
import { liveProjections } from '../../../src/runtime/live.ts';
import { createServices, type Services } from '../../../src/runtime/services.ts';
import { createTestDatabase } from '../../support/database.ts';
import { TEST_READ_MODELS_TIMEOUT_MS } from '../../support/app.ts';
import { committedHead } from '../../support/log-head.ts';

export interface EdgeTestApp {
  app: FastifyInstance;
  services: Services;
  /** http://127.0.0.1:<port> of the listening app. */
  baseUrl: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  /** The results projection's NATS connection (the publisher) and the edge's. */
  buses: { publisher: NatsLiveBus; edge: NatsLiveBus };
  /** Waits until the read models and the live fan-out have applied the whole log. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole app on a real port, on a fresh database, with the REAL NATS bus: one connection for
 * the results projection's fan-out (the publisher) and one for the edge, as two processes would
 * have, so a NATS restart is seen by each the way production sees it.
 */
export async function startEdgeApp(natsUrl: string, settings: Partial<LiveSettings> = {}): Promise<EdgeTestApp> {
  const silent = pino({ level: 'silent' });
  const db = await createTestDatabase();
  const registry = await startRegistrySandbox();
  const store = new PostgresEventStore({ connectionString: db.url });
  const publisherBus = await NatsLiveBus.connect(natsUrl, silent, { name: 'test-publisher' });
  const edgeBus = await NatsLiveBus.connect(natsUrl, silent, { name: 'test-edge' });
  const services = await createServices({
    store,
    databaseUrl: db.url,
    registryUrl: registry.url,
    runProjections: true,
    projections: liveProjections({ bus: publisherBus }),
    readModelsTimeoutMs: TEST_READ_MODELS_TIMEOUT_MS,
  });
  const app = await buildApp({
    logger: silent,
    services,
    healthChecks: { required: {} },
    http: { ballotsPerMinute: 0, authPerMinute: 0, joinPerMinute: 0, proofsPerMinute: 0 },
    live: { bus: edgeBus, settings },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('app did not listen on a TCP port');
  return {
    app,
    services,
    baseUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    buses: { publisher: publisherBus, edge: edgeBus },
    async settled() {
      await services.readModelsAt(await committedHead(services));
    },
    async close() {
      await app.close();
      await services.close();
      await Promise.all([publisherBus.close(), edgeBus.close()]);
      await store.close();
      await registry.close();
      await db.drop();
    },
  };
}
