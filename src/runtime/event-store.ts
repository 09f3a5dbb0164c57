import type { Config } from '../config.ts';
import type { EventStore } from '../event-store/port.ts';
import { PostgresEventStore } from '../event-store/postgres/postgres-event-store.ts';

/**
 * EVENT_STORE picks the adapter; both pass the same contract suite (tests/contract). The read
 * models stay in PostgreSQL either way. The EventStoreDB client (gRPC, OpenTelemetry: a quarter
 * of a second of CPU to import) loads only when it is the one chosen.
 */
export async function openEventStore(config: Config, databaseUrl: string, options: { settleMs?: number } = {}): Promise<EventStore> {
  if (config.EVENT_STORE === 'eventstoredb') {
    const { connectEventStoreDb } = await import('../event-store/eventstoredb/eventstoredb-event-store.ts');
    return connectEventStoreDb(config.EVENTSTORE_URL!);
  }
  return new PostgresEventStore({
    connectionString: databaseUrl,
    flushers: config.APPEND_FLUSHERS,
    maxBatchSize: config.APPEND_MAX_BATCH,
    gatherMs: config.APPEND_GATHER_MS,
    appendLockTimeoutMs: config.APPEND_LOCK_TIMEOUT_MS,
    appendStatementTimeoutMs: config.APPEND_STATEMENT_TIMEOUT_MS,
    readPoolSize: config.EVENT_STORE_READ_POOL_SIZE,
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
  });
}
