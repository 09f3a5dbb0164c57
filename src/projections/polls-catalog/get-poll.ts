import { sql, type CommonQueryMethods } from 'slonik';
import { POLL_COLUMNS, type PollView, pollViewRow } from './poll-view.ts';

/**
 * One poll by id or by slug (GET /api/polls/{pollIdOrSlug}); null when neither matches. Slugs
 * (`words-3f9a1c`) never look like a UUID, but an id match wins if one ever did.
 * Who may see it (a draft, a private poll) is the route's decision, not the query's.
 */
export async function getPoll(db: CommonQueryMethods, idOrSlug: string): Promise<PollView | null> {
  return db.maybeOne(sql.type(pollViewRow)`
    SELECT ${POLL_COLUMNS}, questions FROM read.polls
    WHERE poll_id = ${idOrSlug} OR slug = ${idOrSlug}
    ORDER BY poll_id = ${idOrSlug} DESC
    LIMIT 1`);
}
