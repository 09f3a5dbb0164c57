import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { UnavailableError } from '../../domain/shared/errors.ts';
import type { VoteTokenRegistry } from './port.ts';
import { TurnBatcher } from './turn-batcher.ts';
import { prepared } from '../../db/prepared.ts';

type Query = { pollId: string; tokenHash: string };
const keyOf = (q: Query): string => `${q.pollId} ${q.tokenHash}`;
const found = z.object({ poll_id: z.string(), hash: z.string() });

/**
 * Looks token hashes up in the events table through the partial GIN index of migration 019
 * (`pollster_vote_token_hashes(data)` over VoteTokensIssued events of the `poll` category): one
 * index probe per token, the lookups of one event-loop turn in one statement.
 *
 * Only the hash goes into the probe. The `OFFSET 0` fence keeps the planner from pushing the
 * stream condition down into it, where it would rather use the (stream, revision) index and
 * unpack every VoteTokensIssued event of the poll (10,000 hashes each, tens of milliseconds per
 * event) to test the hash; the stream is compared on the few rows the probe returns instead.
 * A row counts only if it is a VoteTokensIssued event of the poll's own stream (`poll-<pollId>`).
 */
export class PostgresVoteTokenRegistry implements VoteTokenRegistry {
  readonly #pool: DatabasePool;
  readonly #batcher: TurnBatcher<Query>;

  constructor(pool: DatabasePool, options: { maxBatch?: number } = {}) {
    this.#pool = pool;
    this.#batcher = new TurnBatcher((queries) => this.#lookUp(queries), keyOf, options);
  }

  isIssued(pollId: string, tokenHash: string): Promise<boolean> {
    return this.#batcher.ask({ pollId, tokenHash });
  }

  async #lookUp(queries: readonly Query[]): Promise<ReadonlySet<string>> {
    const rows = await this.#query(queries).catch((error: unknown) => {
      // The ballot is not written without the answer: a 503 the voter may retry, not a 500.
      throw new UnavailableError('vote-tokens.unavailable', 'vote tokens cannot be checked right now; nothing was recorded, retry shortly', { cause: error });
    });
    return new Set(rows.map((r) => keyOf({ pollId: r.poll_id, tokenHash: r.hash })));
  }

  #query(queries: readonly Query[]) {
    return this.#pool.any(prepared(sql.type(found)`
      SELECT q.poll_id, q.hash
        FROM unnest(${sql.array(queries.map((q) => q.pollId), 'text')}, ${sql.array(queries.map((q) => q.tokenHash), 'text')}) AS q(poll_id, hash)
       WHERE EXISTS (
         SELECT 1
           FROM (SELECT e.stream
                   FROM events e
                  WHERE e.type = 'VoteTokensIssued' AND e.category = 'poll'
                    AND pollster_vote_token_hashes(e.data) @> ARRAY[q.hash]
                 OFFSET 0) AS holding
          WHERE holding.stream = 'poll-' || q.poll_id)`));
  }
}
