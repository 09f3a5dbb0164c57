import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';

/**
 * Stable codes of the poll aggregate. Clients and tests match on these strings, so they never
 * change; the message is for humans and may.
 */
export const POLL_CODES = {
  notFound: 'poll.not-found',
  alreadyExists: 'poll.already-exists',
  notDraft: 'poll.not-draft',
  notActive: 'poll.not-active',
  alreadyClosed: 'poll.already-closed',
  ended: 'poll.ended',
  tokensNotAllowed: 'poll.tokens-not-allowed',
  tokenAlreadyIssued: 'poll.token-already-issued',
  invalidTokenHashes: 'poll.invalid-token-hashes',
  voteTokenLimit: 'poll.vote-token-limit',
  invalidSlug: 'poll.invalid-slug',
  invalidTitle: 'poll.invalid-title',
  invalidDescription: 'poll.invalid-description',
  invalidQuestions: 'poll.invalid-questions',
  invalidQuestionText: 'poll.invalid-question-text',
  invalidKind: 'poll.invalid-kind',
  invalidOptions: 'poll.invalid-options',
  invalidOptionText: 'poll.invalid-option-text',
  invalidOptionImage: 'poll.invalid-option-image',
  duplicateOptionText: 'poll.duplicate-option-text',
  duplicateId: 'poll.duplicate-id',
  invalidMaxChoices: 'poll.invalid-max-choices',
  invalidScale: 'poll.invalid-scale',
  invalidSetting: 'poll.invalid-setting',
  invalidTime: 'poll.invalid-time',
  invalidTimeWindow: 'poll.invalid-time-window',
  invalidMilestone: 'poll.invalid-milestone',
} as const;

export const pollNotFound = (pollId: string): NotFoundError =>
  new NotFoundError(POLL_CODES.notFound, `poll ${pollId} does not exist`);

export const pollAlreadyExists = (pollId: string): ConflictError =>
  new ConflictError(POLL_CODES.alreadyExists, `poll ${pollId} already exists`);

export const pollNotDraft = (pollId: string): ConflictError =>
  new ConflictError(POLL_CODES.notDraft, `poll ${pollId} is not a draft`);

/** Also what a ballot gets on a poll outside its voting window (API: 409 `poll-not-active`). */
export const pollNotActive = (pollId: string): ConflictError =>
  new ConflictError(POLL_CODES.notActive, `poll ${pollId} is not accepting ballots`);

export const pollAlreadyClosed = (pollId: string): ConflictError =>
  new ConflictError(POLL_CODES.alreadyClosed, `poll ${pollId} is already closed`);

export const pollEnded = (pollId: string): ConflictError =>
  new ConflictError(POLL_CODES.ended, `poll ${pollId} has passed its end time`);

export const pollInvalid = (code: string, field: string, message: string): ValidationError =>
  new ValidationError(code, message, { field });

/** 422: the tokens asked for would take the poll past its maximum; says how many are left. */
export const voteTokenLimitReached = (
  pollId: string,
  issued: number,
  asked: number,
  limit: { max: number; source: 'poll' | 'server' },
): ValidationError => {
  const n = (value: number) => value.toLocaleString('en-US');
  const whose = limit.source === 'poll' ? "this poll's settings.maxVoteTokens" : 'the server (VOTE_TOKENS_MAX_PER_POLL)';
  return new ValidationError(
    POLL_CODES.voteTokenLimit,
    `poll ${pollId} may issue at most ${n(limit.max)} vote tokens (set by ${whose}); ${n(issued)} are issued, ` +
      `so ${n(Math.max(0, limit.max - issued))} more can be, not ${n(asked)}`,
    { field: 'tokenHashes' },
  );
};
