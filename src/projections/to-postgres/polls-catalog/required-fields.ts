import type { RecordedEvent } from '../../../commands/event-store/port.ts';

/**
 * The fields each event must carry for this projection to write it. Checked up front because a
 * missing field would otherwise reach the SQL tag as `undefined`, where slonik fails with an
 * unhelpful message; a parked event should say plainly what is wrong with it.
 */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  PollCreated: ['pollId', 'slug', 'organizerId', 'title', 'settings', 'questions', 'createdAt'],
  PollOpened: ['pollId', 'openedAt'],
  PollClosed: ['pollId', 'closedBy', 'closedAt'],
  BallotCast: ['ballotId', 'pollId', 'voterKey', 'answers', 'meta', 'castAt'],
  BallotChanged: ['ballotId', 'answers', 'changedAt'],
  BallotFlagged: ['flagId', 'ballotId', 'pollId', 'reasons', 'flaggedBy', 'flaggedAt'],
  FlagReviewed: ['flagId', 'decision', 'reviewerId', 'reviewedAt'],
};

/** Throws a TypeError naming the event and the first missing field (a poison event: it gets parked). */
export function assertRequiredFields(event: RecordedEvent): void {
  const required = REQUIRED[event.type];
  if (required === undefined) return;
  const data = event.data;
  if (typeof data !== 'object' || data === null) {
    throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no data object`);
  }
  for (const field of required) {
    const value = (data as Record<string, unknown>)[field];
    if (value === undefined || value === null) {
      throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no ${field}`);
    }
  }
}
