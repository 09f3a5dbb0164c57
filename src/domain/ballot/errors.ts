import { ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.ts';

/** Stable codes of the ballot aggregate (the API maps `ballot.already-cast` to `already-voted`). */
export const BALLOT_CODES = {
  alreadyCast: 'ballot.already-cast',
  notFound: 'ballot.not-found',
  changeNotAllowed: 'ballot.change-not-allowed',
  idMismatch: 'ballot.id-mismatch',
  pollMismatch: 'ballot.poll-mismatch',
  invalidVoteToken: 'ballot.invalid-vote-token',
  voterKeyNotAnonymous: 'ballot.voter-key-not-anonymous',
  noAnswers: 'ballot.no-answers',
  unknownQuestion: 'ballot.unknown-question',
  duplicateAnswer: 'ballot.duplicate-answer',
  answerShape: 'ballot.answer-shape',
  invalidChoiceCount: 'ballot.invalid-choice-count',
  unknownOption: 'ballot.unknown-option',
  duplicateOption: 'ballot.duplicate-option',
  invalidRanking: 'ballot.invalid-ranking',
  invalidRating: 'ballot.invalid-rating',
  ratingOutOfRange: 'ballot.rating-out-of-range',
  invalidReasons: 'flag.invalid-reasons',
  invalidNote: 'flag.invalid-note',
  invalidDecision: 'flag.invalid-decision',
  flagExists: 'flag.already-exists',
  flagNotFound: 'flag.not-found',
  flagAlreadyDecided: 'flag.already-decided',
} as const;

export const ballotAlreadyCast = (): ConflictError =>
  new ConflictError(BALLOT_CODES.alreadyCast, 'this voter has already cast a ballot in this poll');

export const ballotNotFound = (): NotFoundError =>
  new NotFoundError(BALLOT_CODES.notFound, 'there is no ballot to change or flag');

export const noBallotOfVoter = (): NotFoundError =>
  new NotFoundError(BALLOT_CODES.notFound, 'this voter has no ballot in this poll');

/** A change names a ballot other than the one this voter cast: a stale or forged client. */
export const ballotIdMismatch = (): ConflictError =>
  new ConflictError(BALLOT_CODES.idMismatch, 'this voter\'s ballot has another id', { field: 'ballotId' });

export const changeNotAllowed = (pollId: string): ConflictError =>
  new ConflictError(BALLOT_CODES.changeNotAllowed, `poll ${pollId} does not allow changing a ballot`);

export const invalidVoteToken = (): ForbiddenError =>
  new ForbiddenError(BALLOT_CODES.invalidVoteToken, 'the vote token is not valid for this poll', { field: 'voteToken' });

export const flagNotFound = (flagId: string): NotFoundError =>
  new NotFoundError(BALLOT_CODES.flagNotFound, `flag ${flagId} does not exist`);

export const flagAlreadyDecided = (flagId: string): ConflictError =>
  new ConflictError(BALLOT_CODES.flagAlreadyDecided, `flag ${flagId} has already been decided`);
