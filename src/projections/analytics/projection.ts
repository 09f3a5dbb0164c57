import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { RecordedEvent } from '../../event-store/port.ts';
import type { BallotEvent } from '../../domain/ballot/events.ts';
import type { PollEvent } from '../../domain/poll/events.ts';
import { inLogOrderWithCastRuns } from '../runner/cast-runs.ts';
import { requiredFields } from '../runner/required-fields.ts';
import type { PostgresProjection } from '../runner/projection.ts';
import { ballotsChanged, ballotsCast, flagReviewed } from './ballot-events.ts';
import { pollClosed, pollCreated, pollOpened } from './poll-events.ts';
import { ANALYTICS } from '../names.ts';

/** Counts what results count: ballots before the close, minus those a reviewer rejected. */
export { ANALYTICS };

type AnalyticsEvent = PollEvent | BallotEvent;

/** The fields this projection reads; a malformed event is parked with a plain message. */
const assertRequiredFields = requiredFields({
  PollCreated: ['pollId', 'questions', 'settings'],
  PollOpened: ['pollId', 'openedAt'],
  PollClosed: ['pollId'],
  BallotCast: ['ballotId', 'pollId', 'voterKey', 'answers', 'castAt'],
  BallotChanged: ['ballotId', 'answers'],
  FlagReviewed: ['ballotId', 'decision'],
});

async function apply(tx: DatabaseTransactionConnection, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as AnalyticsEvent;
  const { position } = recorded;
  switch (event.type) {
    case 'PollCreated':
      return pollCreated(tx, event.data, position);
    case 'PollOpened':
      return pollOpened(tx, event.data, position);
    case 'PollClosed':
      return pollClosed(tx, event.data, position);
    case 'BallotCast':
      return ballotsCast(tx, [{ data: event.data, position }]);
    case 'BallotChanged':
      return ballotsChanged(tx, [{ data: event.data, position }]);
    case 'FlagReviewed':
      return flagReviewed(tx, event.data, position);
    case 'BallotFlagged': // a flagged ballot stays counted until a reviewer rejects it
    case 'VoteTokensIssued':
      return;
    default:
      // Unknown (newer) types are skipped so an older worker keeps running in a rolling deploy.
      return;
  }
}

// A flagged ballot stays counted until a reviewer rejects it; tokens are the vote path's.
const IGNORED = new Set(['BallotFlagged', 'VoteTokensIssued']);

export const analytics: PostgresProjection = {
  name: ANALYTICS,
  categories: ['poll', 'ballot'],
  tables: ['read.analytics_polls', 'read.analytics_breakdowns', 'read.analytics_series', 'read.analytics_ballots'],
  async handle(events, tx) {
    await inLogOrderWithCastRuns(events, {
      check: assertRequiredFields,
      casts: (run) => ballotsCast(tx, run),
      changes: (run) => ballotsChanged(tx, run),
      other: (event) => apply(tx, event),
      ignored: IGNORED,
    });
  },
  async reset(tx) {
    await tx.query(sql.unsafe`TRUNCATE read.analytics_polls, read.analytics_ballots, read.analytics_breakdowns, read.analytics_series`);
  },
};
