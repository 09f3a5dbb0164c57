import Type from 'typebox';
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

export const BallotBody = Type.Object(
  {
    answers: Type.Array(Answer, { minItems: 1, maxItems: 20 }),
    voteToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'voterPolicy token: the one-time token' })),
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
