/** Read-model queries the API calls: each takes the SQL pool (or a transaction) and returns views (times ISO strings; positions, where present, bigint). */
export { getPoll } from './get-poll.ts';
export { listPolls, MAX_PAGE_SIZE, type ListPollsOptions, type PollPage } from './list-polls.ts';
export { findBallot, type BallotView } from './find-ballot.ts';
export { findFlag, type FlagStatus, type FlagView } from './find-flag.ts';
export { listFlags, type FlagItem, type FlagPage, type ListFlagsOptions } from './list-flags.ts';
export type { PollSummary, PollView } from './poll-view.ts';
export { getResults } from './get-results.ts';
export { currentResults } from './current-results.ts';
export { getRawTally } from './get-raw-tally.ts';
export { readPollEvents, type ReadPollEventsOptions } from './read-poll-events.ts';
export { resultsAt } from './results-at.ts';
export { getAnalytics, emptyAnalytics, type AnalyticsBucket, type AnalyticsView } from './get-analytics.ts';
