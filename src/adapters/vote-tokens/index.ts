import type { DatabasePool } from 'slonik';
import type { EventStore } from '../../event-store/port.ts';
import { PostgresEventStore } from '../../event-store/postgres/postgres-event-store.ts';
import { CachedVoteTokenRegistry } from './cached-registry.ts';
import type { VoteTokenRegistry } from './port.ts';
import { PostgresVoteTokenRegistry } from './postgres-registry.ts';
import { StreamVoteTokenRegistry } from './stream-registry.ts';

export type { VoteTokenRegistry } from './port.ts';

/**
 * The registry for a process: the index probe when the log is the postgres store (whose events
 * table is in the database `sql` reaches), else a read of the poll stream; positives cached.
 */
export function voteTokenRegistry(store: EventStore, sql: DatabasePool, options: { cacheEntries?: number } = {}): VoteTokenRegistry {
  const lookUp = store instanceof PostgresEventStore ? new PostgresVoteTokenRegistry(sql) : new StreamVoteTokenRegistry(store);
  return new CachedVoteTokenRegistry(lookUp, { maxEntries: options.cacheEntries ?? 10_000 });
}
