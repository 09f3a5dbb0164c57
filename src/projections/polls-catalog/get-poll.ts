import { sql, type CommonQueryMethods } from 'slonik';
import { POLL_COLUMNS, type PollView, pollViewRow } from './poll-view.ts';

/** Slugs never look like a UUID, but an id match wins if one ever did. Visibility is the route's call. */
export async function getPoll(db: CommonQueryMethods, idOrSlug: string): Promise<PollView | null> {
  return db.maybeOne(sql.type(pollViewRow)`
    SELECT ${POLL_COLUMNS}, questions FROM read.polls
    WHERE poll_id = ${idOrSlug} OR slug = ${idOrSlug}
    ORDER BY poll_id = ${idOrSlug} DESC
    LIMIT 1`);
}
