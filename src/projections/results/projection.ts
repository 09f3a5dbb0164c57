import { sql } from 'slonik';
import type { PostgresProjection } from '../runner/projection.ts';
import { foldBatch, keysOf } from './fold-batch.ts';
import { loadStandings } from './load.ts';
import { writeChanges } from './write.ts';
import { RESULTS } from '../names.ts';

/**
 * Kept by the counting rules of src/domain/results/standing.ts, the same ones `tally` replays with.
 * Idempotent by position: standings skip events at or below the position they hold, and only
 * standing changes move counters.
 */
export { RESULTS };

export const results: PostgresProjection = {
  name: RESULTS,
  categories: ['poll', 'ballot'],
  tables: ['read.result_polls', 'read.result_questions', 'read.result_options', 'read.result_ratings', 'read.result_ranking_counts', 'read.result_ballots'],
  async handle(events, tx) {
    const keys = keysOf(events);
    if (keys.pollIds.length === 0) return;
    const loaded = await loadStandings(tx, keys);
    await writeChanges(tx, foldBatch(loaded, events));
  },
  async reset(tx) {
    await tx.query(sql.unsafe`
      TRUNCATE read.result_polls, read.result_ballots, read.result_questions, read.result_options, read.result_ratings,
               read.result_ranking_counts`);
  },
};
