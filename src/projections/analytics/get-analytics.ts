import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

export type AnalyticsBucket = 'minute' | 'hour';

/** A poll's engagement figures as getAnalytics returns them (counted ballots only). */
export interface AnalyticsView {
  pollId: string;
  totalBallots: number;
  /** Distinct voters among counted ballots: one per counted ballot (the store takes one ballot per voter per poll). */
  uniqueVoters: number;
  /** Answered questions / questions of the poll, averaged over ballots (0..1, 4 decimals); null without ballots. */
  completionRate: number | null;
  /**
   * Response time: from when the voter first saw the poll (the client-supplied start, kept in whole
   * seconds) to the ballot, over the counted ballots that carry one (`timedBallots`); null without.
   */
  avgResponseSeconds: number | null;
  medianResponseSeconds: number | null;
  p90ResponseSeconds: number | null;
  timedBallots: number;
  /** Per question, in the poll's order: counted ballots shown it and those answering it (drop-off). */
  questions: Array<{ questionId: string; shown: number; answered: number; answerRate: number | null }>;
  /** Ballots per bucket, oldest first; buckets without ballots are left out. `bucket` is its start, ISO UTC. */
  timeSeries: Array<{ bucket: string; ballots: number }>;
  /** Ballots per device class: desktop, mobile, tablet, bot, unknown (only classes seen). */
  devices: Record<string, number>;
  /** Ballots per ISO 3166-1 alpha-2 country, `private` or `unknown` (only those seen). */
  countries: Record<string, number>;
}

const counts = z.record(z.string(), z.number().int());

const analyticsRow = z.object({
  total_ballots: z.number().int(),
  unique_voters: z.number().int(),
  question_count: z.number().int(),
  // bigint columns: sums can pass 2^31 on a large poll
  answered_questions: z.bigint(),
  timed_ballots: z.number().int(),
  response_ms: z.bigint(),
  devices: counts,
  countries: counts,
  time_series: z.array(z.object({ bucket: z.string(), ballots: z.number().int() })),
  median_ms: z.number().nullable(),
  p90_ms: z.number().nullable(),
  questions: z.array(z.object({ questionId: z.string(), answered: z.number().int() })),
});

const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * The figures of one poll, or null when the projection has not seen the poll (unknown, or created
 * a moment ago). One statement, so totals, breakdowns and series come from one snapshot and
 * always add up. Zero rows (left by rejections) are skipped.
 */
export async function getAnalytics(db: CommonQueryMethods, pollId: string, bucket: AnalyticsBucket = 'minute'): Promise<AnalyticsView | null> {
  const row = await db.maybeOne(sql.type(analyticsRow)`
    SELECT p.total_ballots, p.unique_voters, p.question_count, p.answered_questions, p.timed_ballots, p.response_ms,
      (SELECT coalesce(jsonb_object_agg(value, ballots ORDER BY value), '{}') FROM read.analytics_breakdowns
       WHERE poll_id = p.poll_id AND dimension = 'device' AND ballots > 0) AS devices,
      (SELECT coalesce(jsonb_object_agg(value, ballots ORDER BY value), '{}') FROM read.analytics_breakdowns
       WHERE poll_id = p.poll_id AND dimension = 'country' AND ballots > 0) AS countries,
      (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'bucket', to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'ballots', ballots) ORDER BY bucket), '[]')
       FROM read.analytics_series WHERE poll_id = p.poll_id AND granularity = ${bucket} AND ballots > 0) AS time_series,
      r.median_ms, r.p90_ms,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('questionId', q.id, 'answered', coalesce(c.answered, 0)) ORDER BY q.ord), '[]')
       FROM unnest(p.question_ids) WITH ORDINALITY AS q(id, ord)
       LEFT JOIN (SELECT a.id, count(*)::int AS answered
                  FROM read.analytics_ballots b, unnest(b.answered_ids) AS a(id)
                  WHERE b.poll_id = p.poll_id AND b.status = 'counted' GROUP BY a.id) c ON c.id = q.id) AS questions
    FROM read.analytics_polls p
    -- percentiles need every timed ballot (a running sum cannot give them): one index range of the poll (027)
    CROSS JOIN LATERAL (
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY response_ms) AS median_ms,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY response_ms) AS p90_ms
      FROM read.analytics_ballots WHERE poll_id = p.poll_id AND status = 'counted' AND response_ms IS NOT NULL) r
    WHERE p.poll_id = ${pollId}`);
  if (row === null) return null;
  const questions = row.question_count * row.total_ballots;
  return {
    pollId,
    totalBallots: row.total_ballots,
    uniqueVoters: row.unique_voters,
    completionRate: questions > 0 ? round(Number(row.answered_questions) / questions, 4) : null,
    avgResponseSeconds: row.timed_ballots > 0 ? round(Number(row.response_ms) / row.timed_ballots / 1000, 3) : null,
    medianResponseSeconds: row.median_ms === null ? null : round(row.median_ms / 1000, 3),
    p90ResponseSeconds: row.p90_ms === null ? null : round(row.p90_ms / 1000, 3),
    timedBallots: row.timed_ballots,
    questions: row.questions.map(({ questionId, answered }) => ({
      questionId,
      shown: row.total_ballots,
      answered,
      answerRate: row.total_ballots > 0 ? round(answered / row.total_ballots, 4) : null,
    })),
    timeSeries: row.time_series,
    devices: row.devices,
    countries: row.countries,
  };
}

/** What getAnalytics shows for a poll the projection has not caught up with yet: nothing counted. */
export const emptyAnalytics = (pollId: string): AnalyticsView => ({
  pollId,
  totalBallots: 0,
  uniqueVoters: 0,
  completionRate: null,
  avgResponseSeconds: null,
  medianResponseSeconds: null,
  p90ResponseSeconds: null,
  timedBallots: 0,
  questions: [],
  timeSeries: [],
  devices: {},
  countries: {},
});
