import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { GrantRole, ImportUser, RegisterUser, SetPassword, VerifyNationalId } from './commands.ts';
import { userDecider } from './decider.ts';
import type { NationalIdVerified, UserImported, UserRegistered } from './events.ts';

const spec = deciderSpec(userDecider);
const NOW = '2030-01-01T09:00:00.000Z';
const register = (data: Partial<RegisterUser['data']> = {}): RegisterUser => ({
  type: 'RegisterUser',
  data: { userId: 'u1', email: ' Ada@Example.ORG ', displayName: 'Ada', isFirstUser: false, now: NOW, ...data },
});
const registered = (roles: UserRegistered['data']['roles'] = ['voter']): UserRegistered => ({
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'ada@example.org', displayName: 'Ada', roles, registeredAt: NOW },
});
const importUser = (data: Partial<ImportUser['data']> = {}): ImportUser => ({
  type: 'ImportUser',
  data: { userId: 'u1', email: 'ada@example.org', displayName: 'Ada', hasPassword: false, setupTokenHash: 'sth', now: NOW, ...data },
});
const imported = (mustChangePassword: boolean): UserImported => ({
  type: 'UserImported',
  data: { userId: 'u1', email: 'ada@example.org', displayName: 'Ada', roles: ['voter'], mustChangePassword, importedAt: NOW },
});
const setPassword = (viaSetupToken?: boolean): SetPassword => ({
  type: 'SetPassword',
  data: viaSetupToken === undefined ? { userId: 'u1', now: NOW } : { userId: 'u1', now: NOW, viaSetupToken },
});
const verify = (nationalIdHash = 'nid-1'): VerifyNationalId => ({
  type: 'VerifyNationalId', data: { userId: 'u1', nationalIdHash, fullName: 'Ada Lovelace', now: NOW },
});
const verified: NationalIdVerified = {
  type: 'NationalIdVerified', data: { userId: 'u1', nationalIdHash: 'nid-1', fullName: 'Ada Lovelace', verifiedAt: NOW },
};
const grant = (role: GrantRole['data']['role'] = 'organizer'): GrantRole => ({
  type: 'GrantRole', data: { userId: 'u1', role, grantedBy: 'admin-1', now: NOW },
});

describe('RegisterUser', () => {
  it('registers a voter with a lower-cased email', () => {
    spec.given([]).when(register()).then([registered()]);
  });

  it('makes the first user of an empty system an admin', () => {
    spec.given([]).when(register({ isFirstUser: true })).then([registered(['voter', 'admin'])]);
  });

  it('rejects an existing account', () => {
    spec.given([registered()]).when(register()).thenThrows(ConflictError, 'user.exists');
    spec.given([imported(true)]).when(register()).thenThrows(ConflictError, 'user.exists');
  });

  it('rejects an invalid email or an empty display name', () => {
    spec.given([]).when(register({ email: 'ada.example.org' })).thenThrows(ValidationError, 'user.invalid-email', 'email');
    spec.given([]).when(register({ displayName: ' ' })).thenThrows(ValidationError, 'user.invalid-display-name', 'displayName');
  });
});

describe('ImportUser', () => {
  it('imports an account without a password that must set one', () => {
    spec.given([]).when(importUser()).then([imported(true)]);
  });

  it('imports an account with a password', () => {
    spec.given([]).when(importUser({ hasPassword: true, setupTokenHash: undefined })).then([imported(false)]);
  });

  it('never puts the setup token hash into the event', () => {
    const events = userDecider.decide(importUser({ setupTokenHash: 'secret-hash' }), userDecider.initialState());
    expect(JSON.stringify(events)).not.toContain('secret-hash');
  });

  it('requires a setup token when there is no password', () => {
    spec.given([]).when(importUser({ setupTokenHash: undefined }))
      .thenThrows(ValidationError, 'user.missing-setup-token', 'setupTokenHash');
  });

  it('rejects an existing account', () => {
    spec.given([registered()]).when(importUser()).thenThrows(ConflictError, 'user.exists');
  });
});

describe('SetPassword', () => {
  it('records a changed password, never the password or its hash', () => {
    spec.given([registered()]).when(setPassword()).then([
      { type: 'PasswordSet', data: { userId: 'u1', viaSetupToken: false, setAt: NOW } },
    ]);
  });

  it('lets an imported account set its first password with the setup token', () => {
    spec.given([imported(true)]).when(setPassword(true)).then([
      { type: 'PasswordSet', data: { userId: 'u1', viaSetupToken: true, setAt: NOW } },
    ]);
    expect(spec.stateAfter([imported(true)]).status).toBe('awaiting-password');
    expect(spec.stateAfter([imported(true), { type: 'PasswordSet', data: { userId: 'u1', viaSetupToken: true, setAt: NOW } }]).status)
      .toBe('active');
  });

  it('requires the setup token for the first password of an imported account', () => {
    spec.given([imported(true)]).when(setPassword()).thenThrows(ForbiddenError, 'user.setup-token-required');
  });

  it('refuses a setup token once the account has a password', () => {
    spec.given([registered()]).when(setPassword(true)).thenThrows(ForbiddenError, 'user.setup-token-used');
  });

  it('rejects an unknown user', () => {
    spec.given([]).when(setPassword()).thenThrows(NotFoundError, 'user.not-found');
  });
});

describe('VerifyNationalId', () => {
  it('records the verified national id hash and full name', () => {
    spec.given([registered()]).when(verify()).then([verified]);
  });

  it('does nothing when verified again with the same id', () => {
    spec.given([registered(), verified]).when(verify()).thenNothingHappens();
  });

  it('rejects another national id once verified', () => {
    spec.given([registered(), verified]).when(verify('nid-2')).thenThrows(ConflictError, 'user.already-verified');
  });

  it('rejects an unknown user', () => {
    spec.given([]).when(verify()).thenThrows(NotFoundError, 'user.not-found');
  });
});

describe('GrantRole', () => {
  it('grants a role', () => {
    spec.given([registered()]).when(grant()).then([
      { type: 'RoleGranted', data: { userId: 'u1', role: 'organizer', grantedBy: 'admin-1', grantedAt: NOW } },
    ]);
  });

  it('is idempotent for a role already held, granted or from registration', () => {
    const granted = { type: 'RoleGranted' as const, data: { userId: 'u1', role: 'organizer' as const, grantedBy: 'a', grantedAt: NOW } };
    spec.given([registered(), granted]).when(grant()).thenNothingHappens();
    spec.given([registered(['voter', 'admin'])]).when(grant('admin')).thenNothingHappens();
  });

  it('rejects an unknown role, including voter which every account has', () => {
    spec.given([registered()]).when(grant('voter' as never)).thenThrows(ValidationError, 'user.invalid-role', 'role');
  });

  it('rejects an unknown user', () => {
    spec.given([]).when(grant()).thenThrows(NotFoundError, 'user.not-found');
  });
});
