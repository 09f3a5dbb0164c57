import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { EventStore } from '../../event-store/port.ts';
import type { PollResults } from '../../domain/results/results.ts';
import { tally } from '../../domain/results/tally.ts';
import type { ResultsCache } from '../to-redis/results-cache.ts';
import { getResults } from './get-results.ts';
import { readPollEvents } from '../shared/read-poll-events.ts';

const positionRow = z.object({ position: z.bigint() });

/**
 * A poll's current results, as getResults and the live snapshots serve them: the Redis results
 * (REDIS_URL) when they are as new as the read model, else the read model; a poll the projection
 * has not seen yet (just created, projection behind) is replayed from its own log.
 *
 * Redis is written after the read model commits, so a worker that dies between the two leaves
 * Redis behind until a worker catches it up: the read model's position (one primary-key lookup,
 * asked beside Redis) is what decides, so a stale entry is never served.
 */
export async function currentResults(
  services: { sql: CommonQueryMethods; store: EventStore; resultsCache?: ResultsCache | undefined },
  pollId: string,
): Promise<PollResults | null> {
  if (services.resultsCache) {
    const [cached, position] = await Promise.all([services.resultsCache.get(pollId), readModelPosition(services.sql, pollId)]);
    if (cached && position !== null && cached.position >= position) return cached;
  }
  return (await getResults(services.sql, pollId)) ?? tally(pollId, await readPollEvents(services.store, pollId));
}

async function readModelPosition(db: CommonQueryMethods, pollId: string): Promise<bigint | null> {
  const row = await db.maybeOne(sql.type(positionRow)`SELECT position FROM read.result_polls WHERE poll_id = ${pollId}`);
  return row?.position ?? null;
}
