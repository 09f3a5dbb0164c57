import { requiredFields } from '../runner/required-fields.ts';

export const assertRequiredFields = requiredFields({
  PollCreated: ['pollId', 'slug', 'organizerId', 'title', 'settings', 'questions', 'createdAt'],
  PollOpened: ['pollId', 'openedAt'],
  PollClosed: ['pollId', 'closedBy', 'closedAt'],
  BallotCast: ['ballotId', 'pollId', 'voterKey', 'answers', 'meta', 'castAt'],
  BallotChanged: ['ballotId', 'answers', 'changedAt'],
  BallotFlagged: ['flagId', 'ballotId', 'pollId', 'reasons', 'flaggedBy', 'flaggedAt'],
  FlagReviewed: ['flagId', 'decision', 'reviewerId', 'reviewedAt'],
});
