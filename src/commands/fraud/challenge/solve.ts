import { type Puzzle, sha256Hex } from './puzzle.ts';

/**
 * What a client (the ALTCHA widget, a script, the tests) does with a puzzle: try every number up
 * to maxnumber until the hash matches, then send the base64 payload as `challenge` with the ballot.
 * Kept beside the server side so the two cannot drift apart.
 */
export function solveChallenge(puzzle: Puzzle): string {
  for (let number = 0; number <= puzzle.maxnumber; number++) {
    if (sha256Hex(`${puzzle.salt}${number}`) === puzzle.challenge) {
      const { algorithm, challenge, salt, signature } = puzzle;
      return Buffer.from(JSON.stringify({ algorithm, challenge, number, salt, signature })).toString('base64');
    }
  }
  throw new Error('the puzzle has no solution up to maxnumber');
}
