import Type from 'typebox';
import { Position, Uuid } from '../../schemas/common.ts';

/** Shapes of the Fraud review table of API.md (fixed names), plus what a reviewer needs beside them. */
const FlagStatus = Type.Union([Type.Literal('pending'), Type.Literal('upheld'), Type.Literal('rejected')]);

const FlagItemView = Type.Object({
  flagId: Uuid,
  pollId: Uuid,
  ballotId: Uuid,
  reasons: Type.Array(Type.String(), {
    description: '`velocity` (too many voters from the IP prefix), `fingerprint` (open polls: too many voters from one client address), `new-account`, or a reviewer\'s words',
  }),
  flaggedAt: Type.String({ format: 'date-time' }),
  status: FlagStatus,
  flaggedBy: Type.String({ description: '`system` (detection) or the id of the reviewer who flagged by hand' }),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'detection figures: ipPrefix, prefixCount, velocityLimit, windowSeconds, fingerprintCount, accountAgeSeconds, challengeSolved',
  }),
  reviewerId: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  reviewedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const FlagPageView = Type.Object({
  items: Type.Array(FlagItemView, { description: 'oldest first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last' }),
});

export const ListFlagsQuery = Type.Object(
  {
    status: Type.Optional(FlagStatus),
    pollId: Type.Optional(Uuid),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
);

export const FlagBallotParams = Type.Object({ pollId: Uuid, ballotId: Uuid });

export const FlagBallotBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 200, description: 'why the ballot looks suspicious' }) },
  { additionalProperties: false },
);

export const FlagCreatedView = Type.Object({ flagId: Uuid, position: Position });

export const FlagIdParams = Type.Object({ flagId: Uuid });

export const ReviewBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('uphold'), Type.Literal('reject')], {
      description: 'uphold: the ballot is valid and stays counted; reject: it stops counting (its events stay in the log)',
    }),
    note: Type.String({ minLength: 1, maxLength: 2000, description: 'why: kept with the decision for the audit trail' }),
  },
  { additionalProperties: false },
);

export const ReviewedView = Type.Object({
  flagId: Uuid,
  status: Type.Union([Type.Literal('upheld'), Type.Literal('rejected')]),
  reviewerId: Uuid,
  note: Type.String(),
  position: Position,
});
