import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { decodePositionCursor, encodeCursor } from '../shared/cursor.ts';
import { flagColumns, toFlagView, type FlagStatus, type FlagView } from './find-flag.ts';

/** The review queue (listFlags): flags as a reviewer sees them; the voter key stays out. */
export type FlagItem = Omit<FlagView, 'voterKey'>;

export interface ListFlagsOptions {
  status?: FlagStatus;
  pollId?: string;
  /** Flags carrying this reason among theirs (`velocity`, `fingerprint`, a reviewer's own words). */
  reason?: string;
  cursor?: string;
  /** Clamped to 1..100 (default 50). */
  limit?: number;
}

export interface FlagPage {
  items: FlagItem[];
  nextCursor: string | null;
}

const row = flagColumns.extend({ flagged_position: z.bigint() }).transform((r) => {
  const { voterKey: _voterKey, ...item } = toFlagView(r); // the queue never shows who voted
  return { key: r.flagged_position, item: item satisfies FlagItem };
});

/**
 * Oldest first, by the log position of BallotFlagged: unique and immutable, so the keyset never
 * skips or repeats a flag between pages while new flags arrive (they sort after every cursor).
 * The (status, flagged_position) and (poll_id, flagged_position) indexes serve the filters.
 */
export async function listFlags(db: CommonQueryMethods, options: ListFlagsOptions = {}): Promise<FlagPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 100);
  const conditions: FragmentSqlToken[] = [sql.fragment`true`];
  if (options.status !== undefined) conditions.push(sql.fragment`status = ${options.status}`);
  if (options.pollId !== undefined) conditions.push(sql.fragment`poll_id = ${options.pollId}`);
  if (options.reason !== undefined) conditions.push(sql.fragment`reasons ? ${options.reason}`);
  if (options.cursor !== undefined) conditions.push(sql.fragment`flagged_position > ${decodePositionCursor(options.cursor)}`);
  const rows = await db.any(sql.type(row)`
    SELECT flag_id, poll_id, ballot_id, voter_key, reasons, flagged_by, details, flagged_at, status, reviewer_id, note, reviewed_at,
           flagged_position
    FROM read.flags WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY flagged_position
    LIMIT ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map((r) => r.item), nextCursor: rows.length > limit && last ? encodeCursor(String(last.key)) : null };
}
