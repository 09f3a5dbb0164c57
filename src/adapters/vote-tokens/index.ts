import type { DatabasePool } from 'slonik';
import type { EventStore } from '../../event-store/port.ts';
import { PostgresEventStore } from '../../event-store/postgres/postgres-event-store.ts';
import { CachedVoteTokenRegistry } from './cached-registry.ts';
import type { VoteTokenRegistry } from './port.ts';
import { PostgresVoteTokenRegistry } from './postgres-registry.ts';
import { StreamVoteTokenRegistry } from './stream-registry.ts';
import { DEFAULT_TOKENS_IN_MEMORY, IssuedTokensInMemory } from './tokens-in-memory.ts';

export type { VoteTokenRegistry } from './port.ts';

/**
 * The registry for a process: the hashes of the polls the poll cache holds, in memory (up to
 * `inMemory` of them, VOTE_TOKENS_IN_MEMORY's default if not given; the poll cache feeds them, see tokens-in-memory.ts); then the positives
 * asked before; then the index probe when the log is the postgres store (whose events table is in
 * the database `sql` reaches), else a read of the poll stream.
 */
export function voteTokenRegistry(store: EventStore, sql: DatabasePool, options: { cacheEntries?: number; inMemory?: number | undefined } = {}): IssuedTokensInMemory {
  const lookUp = store instanceof PostgresEventStore ? new PostgresVoteTokenRegistry(sql) : new StreamVoteTokenRegistry(store);
  return new IssuedTokensInMemory(new CachedVoteTokenRegistry(lookUp, { maxEntries: options.cacheEntries ?? 10_000 }), { maxHashes: options.inMemory ?? DEFAULT_TOKENS_IN_MEMORY });
}
