import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { RecordedEvent } from '../../event-store/port.ts';
import type { BallotEvent } from '../../domain/ballot/events.ts';
import type { PollEvent } from '../../domain/poll/events.ts';
import { inLogOrderWithCastRuns } from '../runner/cast-runs.ts';
import type { PostgresProjection } from '../runner/projection.ts';
import { ballotsChanged, ballotsCast, ballotsFlagged, flagReviewed } from './ballot-events.ts';
import { pollClosed, pollCreated, pollOpened } from './poll-events.ts';
import { assertRequiredFields } from './required-fields.ts';
import { POLLS_CATALOG } from '../names.ts';

/** Only what identifies and lists polls, ballots and flags; counts are the other projections'. */
export { POLLS_CATALOG };

/** The log holds only events the domain wrote, so the type names what `data` is. */
type CatalogEvent = PollEvent | BallotEvent;

async function apply(tx: DatabaseTransactionConnection, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as CatalogEvent;
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
    case 'BallotFlagged':
      return ballotsFlagged(tx, [{ data: event.data, stream: recorded.stream, position }]);
    case 'FlagReviewed':
      return flagReviewed(tx, event.data, position);
    case 'VoteTokensIssued':
      return; // tokens are checked on the vote path, not listed
    default:
      // A type added later (or by a newer version of the program) is not this projection's concern
      // yet; skipping it keeps an older worker running during a rolling deploy.
      return;
  }
}

// Checked on the vote path, not listed.
const IGNORED = new Set(['VoteTokensIssued']);

export const pollsCatalog: PostgresProjection = {
  name: POLLS_CATALOG,
  categories: ['poll', 'ballot'],
  tables: ['read.polls', 'read.ballots', 'read.flags'],
  async handle(events, tx) {
    await inLogOrderWithCastRuns(events, {
      check: assertRequiredFields,
      casts: (run) => ballotsCast(tx, run),
      changes: (run) => ballotsChanged(tx, run),
      flags: (run) => ballotsFlagged(tx, run),
      other: (event) => apply(tx, event),
      ignored: IGNORED,
    });
  },
  async reset(tx) {
    await tx.query(sql.unsafe`TRUNCATE read.polls, read.ballots, read.flags`);
  },
};
