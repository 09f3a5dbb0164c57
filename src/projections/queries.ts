/** Read-model queries the API calls (through app.queries, src/api/plugins/queries.ts): each takes the SQL pool (or a transaction) and returns views (times ISO strings; positions, where present, bigint). */
export { getPoll } from './polls-catalog/get-poll.ts';
export { listPolls, MAX_PAGE_SIZE, type ListPollsOptions, type PollPage } from './polls-catalog/list-polls.ts';
export { findBallot, type BallotView } from './polls-catalog/find-ballot.ts';
export { findFlag, type FlagStatus, type FlagView } from './polls-catalog/find-flag.ts';
export { listFlags, type FlagItem, type FlagPage, type ListFlagsOptions } from './polls-catalog/list-flags.ts';
export type { PollSummary, PollView } from './polls-catalog/poll-view.ts';
export { getResults } from './results/get-results.ts';
export { currentResults } from './results/current-results.ts';
export { rawTallyAt } from './results/raw-tally-at.ts';
export { readPollEvents, type ReadPollEventsOptions } from './shared/read-poll-events.ts';
export { resultsAt } from './results/results-at.ts';
export { resultsAsOf } from './results/results-as-of.ts';
export { getAnalytics, emptyAnalytics, type AnalyticsBucket, type AnalyticsView } from './analytics/get-analytics.ts';
export { getAnalyticsCsv } from './analytics/analytics-csv.ts';
