import { describe, expect, it } from 'vitest';
import { isAccessTokenClaims } from './access-token.ts';

const valid = { sub: '3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f', roles: ['voter', 'admin'], tokenVersion: 0, iat: 1_900_000_000, exp: 1_900_003_600 };

describe('access token claims', () => {
  it('accept what login signs', () => {
    expect(isAccessTokenClaims(valid)).toBe(true);
    expect(isAccessTokenClaims({ ...valid, roles: ['voter'], tokenVersion: 3, mustChangePassword: true })).toBe(true);
  });

  it.each([
    ['roles as a string', { ...valid, roles: 'admin' }],
    ['an unknown role', { ...valid, roles: ['voter', 'root'] }],
    ['no roles', { ...valid, roles: [] }],
    ['a role twice', { ...valid, roles: ['admin', 'admin'] }],
    ['no token version', { ...valid, tokenVersion: undefined }],
    ['a token version as text', { ...valid, tokenVersion: '0' }],
    ['a negative token version', { ...valid, tokenVersion: -1 }],
    ['a subject that is no id', { ...valid, sub: 'admin' }],
    ['no expiry', { ...valid, exp: undefined }],
    ['an issue time as text', { ...valid, iat: 'now' }],
    ['mustChangePassword false', { ...valid, mustChangePassword: false }],
    ['a claim nobody writes', { ...valid, scope: 'everything' }],
  ])('refuse %s', (_name, claims) => {
    expect(isAccessTokenClaims(JSON.parse(JSON.stringify(claims)))).toBe(false);
  });
});
