import { assertNever } from '../shared/decider.ts';
import { ValidationError } from '../shared/errors.ts';
import { toIso } from '../shared/time.ts';
import { requireId, requireOneOf, requireText } from '../shared/validation.ts';
import type { GrantRole, ImportUser, RegisterUser, SetPassword, UserCommand, VerifyEmail, VerifyNationalId } from './commands.ts';
import {
  USER_CODES as C, alreadyVerified, emailAlreadyVerified, setupTokenRequired, setupTokenUsed, userExists, userNotFound,
} from './errors.ts';
import type { UserEvent } from './events.ts';
import { GRANTABLE_ROLES, type Role } from './roles.ts';
import type { UserState } from './state.ts';

/**
 * An account's own rules. Uniqueness across accounts (email, national id) is not decided here:
 * one stream cannot see the others, so the national id has its own stream (national-id/) and
 * email uniqueness belongs to the credentials table's unique index.
 */
export function decide(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      return registerUser(command.data, state);
    case 'ImportUser':
      return importUser(command.data, state);
    case 'SetPassword':
      return setPassword(command.data, state);
    case 'VerifyNationalId':
      return verifyNationalId(command.data, state);
    case 'GrantRole':
      return grantRole(command.data, state);
    case 'VerifyEmail':
      return verifyEmail(command.data, state);
    default:
      return assertNever(command, 'user command');
  }
}

function registerUser(command: RegisterUser['data'], state: UserState): UserEvent[] {
  if (state.status !== 'none') throw userExists(command.userId);
  const roles: Role[] = command.isFirstUser ? ['voter', 'admin'] : ['voter'];
  return [{
    type: 'UserRegistered',
    data: { ...profile(command), roles, registeredAt: toIso(command.now, 'now') },
  }];
}

function importUser(command: ImportUser['data'], state: UserState): UserEvent[] {
  if (state.status !== 'none') throw userExists(command.userId);
  if (!command.hasPassword && !command.setupTokenHash) {
    throw new ValidationError(C.missingSetupToken, 'an account imported without a password needs a setup token',
      { field: 'setupTokenHash' });
  }
  // The setup token hash goes to the credentials table, never into the event.
  return [{
    type: 'UserImported',
    data: {
      ...profile(command), roles: ['voter'], mustChangePassword: !command.hasPassword,
      importedAt: toIso(command.now, 'now'),
    },
  }];
}

function setPassword(command: SetPassword['data'], state: UserState): UserEvent[] {
  const viaSetupToken = command.viaSetupToken === true;
  switch (state.status) {
    case 'none':
      throw userNotFound(command.userId);
    case 'awaiting-password':
      if (!viaSetupToken) throw setupTokenRequired();
      break;
    case 'active':
      // A setup token is for the first password only; afterwards it must not reset an account.
      if (viaSetupToken) throw setupTokenUsed();
      break;
    default:
      return assertNever(state, 'user status');
  }
  return [{ type: 'PasswordSet', data: { userId: state.userId, viaSetupToken, setAt: toIso(command.now, 'now') } }];
}

function verifyNationalId(command: VerifyNationalId['data'], state: UserState): UserEvent[] {
  if (state.status === 'none') throw userNotFound(command.userId);
  const nationalIdHash = requireId(command.nationalIdHash, 'nationalIdHash');
  // Verifying again with the same id is a harmless repeat; another id would swap identities.
  if (state.nationalIdHash === nationalIdHash) return [];
  if (state.nationalIdHash !== null) throw alreadyVerified(state.userId);
  const fullName = requireText(command.fullName, 'fullName', C.invalidFullName, 200);
  return [{
    type: 'NationalIdVerified',
    data: { userId: state.userId, nationalIdHash, fullName, verifiedAt: toIso(command.now, 'now') },
  }];
}

function grantRole(command: GrantRole['data'], state: UserState): UserEvent[] {
  if (state.status === 'none') throw userNotFound(command.userId);
  const role = requireOneOf(command.role, GRANTABLE_ROLES, 'role', C.invalidRole);
  // Idempotent: granting a role held already changes nothing, so retries and double clicks are safe.
  if (state.roles.includes(role)) return [];
  const grantedBy = requireId(command.grantedBy, 'grantedBy');
  return [{ type: 'RoleGranted', data: { userId: state.userId, role, grantedBy, grantedAt: toIso(command.now, 'now') } }];
}

function verifyEmail(command: VerifyEmail['data'], state: UserState): UserEvent[] {
  if (state.status === 'none') throw userNotFound(command.userId);
  // Unlike a repeated national id this is a 409, not a silent no-op: the caller is told at once
  // that the code it holds is of no use, and a client never mistakes a stale screen for progress.
  if (state.emailVerifiedAt !== undefined) throw emailAlreadyVerified(state.userId);
  const email = typeof command.email === 'string' ? command.email.trim().toLowerCase() : '';
  if (email !== state.email) {
    throw new ValidationError(C.emailMismatch, 'the code was sent to another address than this account\'s', { field: 'email' });
  }
  return [{ type: 'EmailVerified', data: { userId: state.userId, email: state.email, verifiedAt: toIso(command.now, 'now') } }];
}

/** Emails are compared lower-cased everywhere, so they are stored that way. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function profile(command: { userId: string; email: string; displayName: string }) {
  const email = typeof command.email === 'string' ? command.email.trim().toLowerCase() : '';
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new ValidationError(C.invalidEmail, 'not a valid email address', { field: 'email' });
  }
  return {
    userId: requireId(command.userId, 'userId'),
    email,
    displayName: requireText(command.displayName, 'displayName', C.invalidDisplayName, 100),
  };
}
