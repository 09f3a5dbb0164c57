import { solveChallenge as solve } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Puzzle } from './puzzle.ts';

/**
 * What a client (the tests, a script) does with a puzzle, the way the ALTCHA widget does it: the
 * v1 puzzle becomes a v2 challenge (the salt is the nonce, the hash the key prefix, counters are
 * decimal text), altcha-lib's solver finds the number, and the base64 payload goes out as
 * `challenge` with the ballot.
 */
export async function solveChallenge(puzzle: Puzzle): Promise<string> {
  const parameters = {
    algorithm: puzzle.algorithm,
    nonce: Buffer.from(puzzle.salt).toString('hex'),
    salt: '',
    cost: 1,
    keyLength: 32,
    keyPrefix: puzzle.challenge,
  };
  const found = await solve({ challenge: { parameters, signature: puzzle.signature }, deriveKey, counterMode: 'string' });
  if (!found) throw new Error('the puzzle has no solution');
  const { algorithm, challenge, salt, signature } = puzzle;
  return Buffer.from(JSON.stringify({ algorithm, challenge, number: found.counter, salt, signature, took: found.time ?? 0 })).toString('base64');
}
