import Type from 'typebox';
import { MY_BALLOT_STATUSES } from '../../commands/ballots/my-ballot.ts';
import { VOTER_KINDS } from '../../domain/ballot/events.ts';
import { Position, Uuid } from './common.ts';

/** Request and response shapes of the voting operations (API.md, "Voting"). */
const Answer = Type.Object(
  {
    questionId: Uuid,
    optionIds: Type.Optional(Type.Array(Uuid, { description: 'single and multiple', maxItems: 50 })),
    ranking: Type.Optional(Type.Array(Uuid, { description: 'ranked: most preferred first', maxItems: 50 })),
    rating: Type.Optional(Type.Number({ description: 'rating: an integer inside the scale' })),
  },
  { additionalProperties: false },
);

const BallotCredentialInput = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$', description: 'base64url of the signed (prepared) message' }),
    signature: Type.String({ minLength: 1, maxLength: 1400, pattern: '^[A-Za-z0-9_-]+$', description: 'base64url RSA signature (RFC 9474) under the poll\'s credential key' }),
  },
  {
    additionalProperties: false,
    description: 'blind polls (settings.anonymity "blind") only: the unblinded credential, sent WITHOUT an Authorization header; '
      + 'the ballot is keyed by the hash of the message, so one credential casts one ballot (and changes it where the poll allows)',
  },
);

export const BallotBody = Type.Object(
  {
    answers: Type.Array(Answer, { minItems: 1, maxItems: 20 }),
    voteToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'voterPolicy token: the one-time token' })),
    credential: Type.Optional(BallotCredentialInput),
    challenge: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'castBallot after a 428: base64 JSON {algorithm, challenge, number, salt, signature} solving a GET /api/challenge puzzle (ignored by changeBallot)',
    })),
  },
  {
    additionalProperties: false,
    examples: [{ answers: [{ questionId: '3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f', optionIds: ['8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'] }] }],
  },
);

export const BallotReceiptView = Type.Object({
  ballotId: Uuid,
  receipt: Type.String({ description: 'keep it: checkReceipt proves the ballot is in the log without revealing the choice' }),
  position: Position,
});

/**
 * Documented, not constrained: commandContext checks the key (1..200 characters, 422
 * `request.invalid-idempotency-key`), as it did before the header was in the schema.
 */
export const IdempotencyKeyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    description: 'any 1..200 characters unique to this request, e.g. a UUID: a retry with the same key returns the first answer instead of acting again (for castBallot: instead of 409 already-voted)',
  })),
});

export const VoteTokenHeaders = Type.Object({
  'vote-token': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'voterPolicy token: the one-time token the ballot was cast with (a header, so that it stays out of URLs and their logs)',
  })),
});

export const MyBallotView = Type.Object({
  ballotId: Uuid,
  pollId: Uuid,
  receipt: Type.String({ description: 'the receipt castBallot (or, after a change, changeBallot) answered for the answers that stand' }),
  position: Position,
  status: Type.Enum(MY_BALLOT_STATUSES, {
    description: 'counted: counts as cast; changed: counts with the answers of its latest change; flagged-pending: counts, a flag awaits review; '
      + 'rejected: a reviewer took it out of the results; after-close: it reached the log after the poll closed and never counts',
  }),
  answers: Type.Optional(Type.Array(Answer, { description: 'the answers that count (as cast, for after-close); never shown on open polls' })),
  castAt: Type.String({ format: 'date-time' }),
  voterKind: Type.Enum(VOTER_KINDS, {
    description: 'how the voter was admitted: account, pseudonym (an account behind a keyed hash, anonymous polls), token (one-time vote token), '
      + 'fingerprint (open polls: one ballot per client address and browser); unknown only for an early ballot whose voter key has no known kind',
  }),
  changedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'the change whose answers count; null while the cast stands' }),
});
