import type { DatabasePool } from 'slonik';
import { type RawTally, rawTallyOf } from '../../domain/results/raw.ts';
import type { EventStore } from '../../event-store/port.ts';
import { readPollEvents } from '../shared/read-poll-events.ts';
import { getRawTally } from './get-raw-tally.ts';

/**
 * The raw tally (reviewer rejections ignored) beside the results: from the read models, or by
 * replay for `at` (the caller has already made sure the log is complete through it) and for a
 * poll the read models have not seen yet.
 */
export async function rawTallyAt(
  ports: { sql: DatabasePool; store: EventStore },
  pollId: string,
  at: bigint | undefined,
): Promise<RawTally | undefined> {
  const fromReadModel = at === undefined ? await getRawTally(ports.sql, pollId) : null;
  if (fromReadModel) return fromReadModel;
  const replayed = rawTallyOf(pollId, await readPollEvents(ports.store, pollId, at === undefined ? {} : { upTo: at }));
  return replayed ?? undefined;
}
