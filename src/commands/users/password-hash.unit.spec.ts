import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/shared/errors.ts';
import {
  DEFAULT_PARAMS, hashPassword, hashSetupToken, needsRehash, newSetupToken, requirePasswordPolicy, sameDigest, verifyPassword,
} from './password-hash.ts';

const FAST = { ln: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
  });

  it('encodes its parameters and a fresh random salt in every hash', async () => {
    const a = await hashPassword('same password', FAST);
    const b = await hashPassword('same password', FAST);
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('still verifies hashes made with older parameters and flags them for rehashing', async () => {
    const old = await hashPassword('pw-from-2029', FAST);
    expect(await verifyPassword('pw-from-2029', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('pw', DEFAULT_PARAMS))).toBe(false);
  }, 20_000);

  it('treats the same password in composed and decomposed Unicode as equal', async () => {
    const hash = await hashPassword('caf\u00e9 au lait', FAST);
    expect(await verifyPassword('cafe\u0301 au lait', hash)).toBe(true);
  });

  it('never matches, and never throws on, a malformed or absurd stored hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$ln=30,r=8,p=1$c2FsdA$a2V5')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
  });

  it('enforces the password length policy as a 422-kind error', () => {
    expect(() => requirePasswordPolicy('short', 'password')).toThrow(ValidationError);
    expect(() => requirePasswordPolicy('x'.repeat(257), 'password')).toThrow(ValidationError);
    expect(requirePasswordPolicy('long enough', 'password')).toBe('long enough');
  });
});

describe('setup tokens', () => {
  it('are random, stored as sha256 and compared in constant time', () => {
    const token = newSetupToken();
    expect(token).toMatch(/^[\w-]{22}$/);
    expect(newSetupToken()).not.toBe(token);
    expect(sameDigest(hashSetupToken(token), hashSetupToken(token))).toBe(true);
    expect(sameDigest(hashSetupToken(token), hashSetupToken(`${token}x`))).toBe(false);
    expect(sameDigest('', '')).toBe(false);
  });
});
