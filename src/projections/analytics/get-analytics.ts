import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

export type AnalyticsBucket = 'minute' | 'hour';

/** A poll's engagement figures as getAnalytics returns them (counted ballots only). */
export interface AnalyticsView {
  pollId: string;
  totalBallots: number;
  /** Distinct voter keys among counted ballots. */
  uniqueVoters: number;
  /** Answered questions / questions of the poll, averaged over ballots (0..1, 4 decimals); null without ballots. */
  completionRate: number | null;
  /** From the poll's open (or startsAt, if later) to castAt, mean in seconds (ms precision); null without ballots. */
  avgResponseSeconds: number | null;
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
       FROM read.analytics_series WHERE poll_id = p.poll_id AND granularity = ${bucket} AND ballots > 0) AS time_series
    FROM read.analytics_polls p WHERE p.poll_id = ${pollId}`);
  if (row === null) return null;
  const questions = row.question_count * row.total_ballots;
  return {
    pollId,
    totalBallots: row.total_ballots,
    uniqueVoters: row.unique_voters,
    completionRate: questions > 0 ? round(Number(row.answered_questions) / questions, 4) : null,
    avgResponseSeconds: row.timed_ballots > 0 ? round(Number(row.response_ms) / row.timed_ballots / 1000, 3) : null,
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
  timeSeries: [],
  devices: {},
  countries: {},
});
