import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { decodePositionCursor, encodeCursor } from '../shared/cursor.ts';
import { POLL_COLUMNS, pollColumns, type PollSummary, toSummary } from './poll-view.ts';

export interface ListPollsOptions {
  status?: 'draft' | 'active' | 'closed';
  organizerId?: string;
  /**
   * Only what this viewer may find in a listing: public polls, plus the viewer's own. `userId:
   * null` is an anonymous viewer. Omit it only for callers who may list everything (admins).
   * Private and organization polls are reached by link, never listed to others (there is no
   * organization model yet).
   */
  visibleTo?: { userId: string | null };
  /**
   * Which drafts may be listed: the API passes the draft rule's answer (src/api/poll-access.ts,
   * `listableDrafts`): every draft, or only those of this organizer (null: none). Omitted: all.
   */
  drafts?: 'all' | { organizerId: string | null };
  cursor?: string;
  /** Clamped to 1..100 (default 20). */
  limit?: number;
}

export interface PollPage {
  items: PollSummary[];
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 100;

// Newest first, by the log position of PollCreated: unique and immutable, so a keyset on it
// never skips or repeats a poll between pages, even while polls are being created.
const pageRow = pollColumns
  .extend({ created_position: z.bigint() })
  .transform((r) => ({ item: toSummary(r), key: r.created_position }));

export async function listPolls(db: CommonQueryMethods, options: ListPollsOptions = {}): Promise<PollPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), MAX_PAGE_SIZE);
  const conditions: FragmentSqlToken[] = [sql.fragment`true`];
  if (options.status !== undefined) conditions.push(sql.fragment`status = ${options.status}`);
  if (options.organizerId !== undefined) conditions.push(sql.fragment`organizer_id = ${options.organizerId}`);
  if (options.visibleTo !== undefined) {
    const { userId } = options.visibleTo;
    conditions.push(userId === null ? sql.fragment`visibility = 'public'` : sql.fragment`(visibility = 'public' OR organizer_id = ${userId})`);
  }
  if (options.drafts !== undefined && options.drafts !== 'all') {
    const { organizerId } = options.drafts;
    conditions.push(organizerId === null ? sql.fragment`status <> 'draft'` : sql.fragment`(status <> 'draft' OR organizer_id = ${organizerId})`);
  }
  if (options.cursor !== undefined) conditions.push(sql.fragment`created_position < ${decodePositionCursor(options.cursor)}`);
  const rows = await db.any(sql.type(pageRow)`
    SELECT ${POLL_COLUMNS}, created_position FROM read.polls
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY created_position DESC
    LIMIT ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => row.item),
    nextCursor: rows.length > limit && last ? encodeCursor(String(last.key)) : null,
  };
}
