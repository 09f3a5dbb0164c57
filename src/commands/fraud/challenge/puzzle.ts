import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The self-hosted proof-of-work challenge, in the shape ALTCHA widgets speak: the server picks a
 * secret number n ≤ maxnumber and publishes sha256(salt + n); the client finds n by trying them
 * all (about maxnumber / 2 hashes), which costs a browser a fraction of a second but a ballot
 * farm real CPU per ballot. The puzzle is HMAC-signed and carries its expiry in the salt, so the
 * server keeps no state per puzzle; only a *spent* solution is remembered (by the velocity
 * counter) until it expires, so one solution admits one ballot.
 */
export interface Puzzle {
  algorithm: 'SHA-256';
  challenge: string;
  maxnumber: number;
  /** `<random hex>?expires=<unix seconds>`: the expiry is covered by the hash and the signature. */
  salt: string;
  signature: string;
}

/** What the client sends back (base64 of this JSON, as ALTCHA's `payload`). */
export interface Solution {
  algorithm: string;
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

export type Verified = { ok: true; id: string; expiresAtMs: number } | { ok: false; problem: string };

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export class ChallengeIssuer {
  readonly #key: string;
  readonly #maxNumber: number;
  readonly #ttlSeconds: number;

  constructor(key: string, options: { maxNumber: number; ttlSeconds: number }) {
    this.#key = key;
    this.#maxNumber = options.maxNumber;
    this.#ttlSeconds = options.ttlSeconds;
  }

  issue(now: Date): Puzzle {
    const expires = Math.floor(now.getTime() / 1000) + this.#ttlSeconds;
    const salt = `${randomBytes(12).toString('hex')}?expires=${expires}`;
    const challenge = sha256Hex(`${salt}${randomInt(0, this.#maxNumber + 1)}`);
    return { algorithm: 'SHA-256', challenge, maxnumber: this.#maxNumber, salt, signature: this.#sign(challenge) };
  }

  /** Checks a base64 (or plain JSON) solution: signature, expiry, and the work itself. */
  verify(encoded: string, now: Date): Verified {
    const solution = decode(encoded);
    if (solution === null) return { ok: false, problem: 'the challenge solution is not a base64 JSON payload' };
    if (solution.algorithm !== 'SHA-256') return { ok: false, problem: 'unsupported challenge algorithm' };
    if (!this.#signedByUs(solution.challenge, solution.signature)) return { ok: false, problem: 'the challenge was not issued by this server' };
    const expires = Number(new URLSearchParams(solution.salt.split('?')[1] ?? '').get('expires'));
    if (!Number.isSafeInteger(expires) || expires * 1000 <= now.getTime()) return { ok: false, problem: 'the challenge has expired' };
    if (sha256Hex(`${solution.salt}${solution.number}`) !== solution.challenge) return { ok: false, problem: 'the challenge is not solved' };
    return { ok: true, id: solution.challenge, expiresAtMs: expires * 1000 };
  }

  #sign(challenge: string): string {
    return createHmac('sha256', this.#key).update(challenge).digest('hex');
  }

  #signedByUs(challenge: string, signature: string): boolean {
    const expected = Buffer.from(this.#sign(challenge), 'hex');
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
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
  return ok ? (s as Solution) : null;
}
