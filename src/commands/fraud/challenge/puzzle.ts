import { timingSafeEqual } from 'node:crypto';
import { createChallenge } from 'altcha-lib/v1';

/**
 * The self-hosted proof-of-work challenge, ALTCHA's (altcha-lib, v1 format, which the `altcha`
 * widget still solves): the server picks a secret number n ≤ maxnumber and publishes
 * sha256(salt + n); the client finds n by trying them all (about maxnumber / 2 hashes), which
 * costs a browser a fraction of a second but a ballot farm real CPU per ballot. The puzzle is
 * HMAC-signed and carries its expiry in the salt, so the server keeps no state per puzzle; only a
 * *spent* solution is remembered (by the velocity counter) until it expires, so one solution
 * admits one ballot.
 */
export interface Puzzle {
  algorithm: 'SHA-256';
  challenge: string;
  maxnumber: number;
  /** `<random hex>?expires=<unix seconds>&`: the expiry is covered by the hash and the signature. */
  salt: string;
  signature: string;
}

/** What the client sends back (base64 of this JSON, as ALTCHA's `payload`; the widget adds `took`). */
export interface Solution {
  algorithm: string;
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

export type Verified = { ok: true; id: string; expiresAtMs: number } | { ok: false; problem: string };

export class ChallengeIssuer {
  readonly #key: string;
  readonly #maxNumber: number;
  readonly #ttlSeconds: number;

  constructor(key: string, options: { maxNumber: number; ttlSeconds: number }) {
    this.#key = key;
    this.#maxNumber = options.maxNumber;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async issue(now: Date): Promise<Puzzle> {
    const expires = new Date(now.getTime() + this.#ttlSeconds * 1000);
    const puzzle = await createChallenge({ algorithm: 'SHA-256', hmacKey: this.#key, maxNumber: this.#maxNumber, expires });
    return { ...puzzle, algorithm: 'SHA-256', maxnumber: this.#maxNumber };
  }

  /** Checks a base64 (or plain JSON) solution: expiry (by the command's clock), signature and work. */
  async verify(encoded: string, now: Date): Promise<Verified> {
    const solution = decode(encoded);
    if (solution === null) return { ok: false, problem: 'the challenge solution is not a base64 JSON payload' };
    if (solution.algorithm !== 'SHA-256') return { ok: false, problem: 'unsupported challenge algorithm' };
    const expires = Number(new URLSearchParams(solution.salt.split('?')[1] ?? '').get('expires'));
    if (!Number.isSafeInteger(expires) || expires * 1000 <= now.getTime()) return { ok: false, problem: 'the challenge has expired' };
    // altcha-lib's verifySolution compares the signature with ===; recomputing the puzzle for the
    // sent number and salt and comparing in constant time keeps a forger from timing the HMAC.
    const expected = await createChallenge({ algorithm: 'SHA-256', hmacKey: this.#key, number: solution.number, salt: solution.salt });
    if (!(sameText(expected.challenge, solution.challenge) && sameText(expected.signature, solution.signature))) {
      return { ok: false, problem: 'the challenge is not solved, or was not issued by this server' };
    }
    return { ok: true, id: solution.challenge, expiresAtMs: expires * 1000 };
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function decode(encoded: string): Solution | null {
  let parsed: unknown;
  try {
    const text = encoded.trimStart().startsWith('{') ? encoded : Buffer.from(encoded, 'base64').toString('utf8');
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const s = parsed as Partial<Solution> | null;
  const ok = typeof s?.algorithm === 'string' && typeof s.challenge === 'string' && typeof s.salt === 'string' &&
    typeof s.signature === 'string' && Number.isSafeInteger(s.number);
  // Only the fields of a solution go on (the widget's `took` does not).
  return ok ? { algorithm: s.algorithm!, challenge: s.challenge!, number: s.number!, salt: s.salt!, signature: s.signature! } : null;
}
