import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { VerifyEmail } from './commands.ts';
import { userDecider } from './decider.ts';
import type { EmailVerified, UserImported, UserRegistered } from './events.ts';

const spec = deciderSpec(userDecider);
const NOW = '2030-01-01T09:00:00.000Z';
const registered: UserRegistered = {
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'eve@acme.test', displayName: 'Eve', roles: ['voter'], registeredAt: NOW },
};
const imported: UserImported = {
  type: 'UserImported',
  data: { userId: 'u1', email: 'eve@acme.test', displayName: 'Eve', roles: ['voter'], mustChangePassword: true, importedAt: NOW },
};
const verifyEmail = (email = 'eve@acme.test'): VerifyEmail => ({ type: 'VerifyEmail', data: { userId: 'u1', email, now: NOW } });
const verified: EmailVerified = { type: 'EmailVerified', data: { userId: 'u1', email: 'eve@acme.test', verifiedAt: NOW } };

describe('VerifyEmail', () => {
  it('records that the owner read mail sent to the account’s address', () => {
    spec.given([registered]).when(verifyEmail()).then([verified]);
    expect(spec.stateAfter([registered, verified])).toMatchObject({ emailVerifiedAt: NOW });
  });

  it('verifies an imported account too, before it has set a password', () => {
    spec.given([imported]).when(verifyEmail()).then([verified]);
  });

  it('compares the address as it is stored (trimmed, lower-cased)', () => {
    spec.given([registered]).when(verifyEmail(' Eve@ACME.test ')).then([verified]);
  });

  it('leaves a new account unverified: membership is never claimed by registering', () => {
    expect(spec.stateAfter([registered])).not.toHaveProperty('emailVerifiedAt');
  });

  it('refuses a code that went to another address than the account’s', () => {
    spec.given([registered]).when(verifyEmail('eve@evil.test')).thenThrows(ValidationError, 'user.email-mismatch', 'email');
  });

  it('refuses a second verification with 409', () => {
    spec.given([registered, verified]).when(verifyEmail()).thenThrows(ConflictError, 'user.email-already-verified');
  });

  it('rejects an unknown user', () => {
    spec.given([]).when(verifyEmail()).thenThrows(NotFoundError, 'user.not-found');
  });

  it('keeps the first verification time when an event is replayed twice', () => {
    const later: EmailVerified = { ...verified, data: { ...verified.data, verifiedAt: '2031-01-01T00:00:00.000Z' } };
    expect(spec.stateAfter([registered, verified, later])).toMatchObject({ emailVerifiedAt: NOW });
  });
});
