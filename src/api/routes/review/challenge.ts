import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NotFoundError } from '../../../domain/shared/errors.ts';
import { problems } from '../../schemas/common.ts';

const PuzzleView = Type.Object({
  algorithm: Type.Literal('SHA-256'),
  challenge: Type.String({ description: 'hex sha256(salt + n) for a secret n from 0 to maxnumber' }),
  maxnumber: Type.Integer({ minimum: 1 }),
  salt: Type.String({ description: '<random hex>?expires=<unix seconds>&' }),
  signature: Type.String({ description: 'HMAC of challenge: proves this server issued it' }),
});

/**
 * getChallenge: a fresh proof-of-work puzzle (altcha-lib, ALTCHA's v1 format: its widget solves it).
 * Anyone may ask, without an account: open polls have anonymous voters. Issuing one costs the
 * server one hash and one HMAC and stores nothing.
 */
export const challengeRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/challenge',
    {
      schema: {
        operationId: 'getChallenge',
        tags: ['voting'],
        summary: 'A proof-of-work puzzle; send its solution as `challenge` with castBallot after a 428',
        description:
          'Find n (0..maxnumber) with sha256(salt + n) = challenge, then send base64(JSON {algorithm, challenge, number, salt, ' +
          'signature}). A solution admits one ballot per poll and expires with the puzzle.',
        security: [],
        response: { 200: PuzzleView, ...problems(404) },
      },
    },
    async (_request, reply) => {
      const puzzle = app.commands.issueChallenge();
      if (!puzzle) throw new NotFoundError('challenge.disabled', 'fraud detection is off on this server: no challenge is needed');
      void reply.header('cache-control', 'no-store');
      return puzzle;
    },
  );
};
