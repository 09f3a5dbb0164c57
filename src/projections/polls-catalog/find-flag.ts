import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { JsonObject } from '../../domain/shared/json.ts';
import { isoTime, jsonOf, nullableIsoTime } from '../shared/columns.ts';

export type FlagStatus = 'pending' | 'upheld' | 'rejected';

/** A flag and where its ballot lives: a review appends FlagReviewed to `ballot-<pollId>-<voterKey>`. */
export interface FlagView {
  flagId: string;
  ballotId: string;
  pollId: string;
  voterKey: string;
  reasons: readonly string[];
  flaggedBy: string;
  details: JsonObject | null;
  flaggedAt: string;
  status: FlagStatus;
  reviewerId: string | null;
  note: string | null;
  reviewedAt: string | null;
}

/** The columns of read.flags every flag query selects (voter_key included: a query may drop it). */
export const flagColumns = z.object({
  flag_id: z.string(),
  ballot_id: z.string(),
  poll_id: z.string(),
  voter_key: z.string(),
  reasons: jsonOf<readonly string[]>(),
  flagged_by: z.string(),
  details: jsonOf<JsonObject>().nullable(),
  flagged_at: isoTime,
  status: z.enum(['pending', 'upheld', 'rejected']),
  reviewer_id: z.string().nullable(),
  note: z.string().nullable(),
  reviewed_at: nullableIsoTime,
});

export const toFlagView = (r: z.output<typeof flagColumns>): FlagView => ({
  flagId: r.flag_id,
  ballotId: r.ballot_id,
  pollId: r.poll_id,
  voterKey: r.voter_key,
  reasons: r.reasons,
  flaggedBy: r.flagged_by,
  details: r.details,
  flaggedAt: r.flagged_at,
  status: r.status,
  reviewerId: r.reviewer_id,
  note: r.note,
  reviewedAt: r.reviewed_at,
});

const flagRow = flagColumns.transform(toFlagView);

export async function findFlag(db: CommonQueryMethods, flagId: string): Promise<FlagView | null> {
  return db.maybeOne(sql.type(flagRow)`
    SELECT flag_id, ballot_id, poll_id, voter_key, reasons, flagged_by, details, flagged_at, status,
           reviewer_id, note, reviewed_at
    FROM read.flags WHERE flag_id = ${flagId}`);
}
