import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ValidationError } from '../../domain/shared/errors.ts';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, no native add-on). The stored form
 * names its own parameters, `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64url), so the cost can be
 * raised later: old hashes still verify with the parameters they were made with, and
 * `needsRehash` tells login to store a new hash at the current cost.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8: 32 MiB and roughly 50-100 ms per hash on one core (OWASP's scrypt floor is N=2^17 at r=8 p=1 for interactive use on dedicated hardware; 2^15 keeps logins and imports usable on small machines). */
export const DEFAULT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128·N·r bytes; Node refuses anything above maxmem (32 MiB by default), so the
  // limit follows the parameters instead of capping them.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    // NFKC: the same password typed on two keyboards (composed or decomposed accents) matches.
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params, KEY_LENGTH);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = FORMAT.exec(encoded);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Refuse parameters nobody here would write: a tampered row must not make login allocate gigabytes.
  if (params.ln < 10 || params.ln > 22 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** Constant-time comparison; an unreadable stored hash never matches (and never throws). */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parse(encoded);
  if (!stored || stored.key.length === 0) return false;
  const key = await derive(password, stored.salt, stored.params, stored.key.length);
  return timingSafeEqual(key, stored.key);
}

/** True when the hash was made with other parameters than the current ones. */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_PARAMS): boolean {
  const stored = parse(encoded);
  return !stored || stored.params.ln !== params.ln || stored.params.r !== params.r || stored.params.p !== params.p;
}

/**
 * A hash of a password nobody has, made once per process: login verifies against it when the
 * email is unknown (or has no password yet), so every failed login costs the same scrypt and
 * response time does not tell which emails have accounts.
 */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/** Setup tokens are 128 random bits, so a fast hash suffices (no dictionary to guess from). */
export const newSetupToken = (): string => randomBytes(16).toString('base64url');
export const hashSetupToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Constant-time equality of two hex digests of the same length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Password rules: a floor on length (NIST 800-63B: length over composition rules) and a ceiling. */
const PASSWORD_MIN_LENGTH = 8;
const PASSWORD_MAX_LENGTH = 256;

/** 422 `auth.weak-password` (a rule of ours, not a schema shape, hence not a 400). */
export function requirePasswordPolicy(password: string, field: string): string {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new ValidationError('auth.weak-password',
      `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`, { field });
  }
  return password;
}
