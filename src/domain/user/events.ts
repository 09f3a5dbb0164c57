import type { DomainEvent } from '../shared/decider.ts';
import type { GrantableRole, Role } from './roles.ts';

/**
 * Stream `user-<userId>`. No event carries a password, a password hash or a setup token: those
 * live in the credentials table (ARCHITECTURE.md) and events only record that something happened.
 */
export type UserRegistered = DomainEvent<
  'UserRegistered',
  { userId: string; email: string; displayName: string; roles: readonly Role[]; registeredAt: string }
>;

/** `mustChangePassword` when imported without a password: the user sets one with a setup token. */
export type UserImported = DomainEvent<
  'UserImported',
  {
    userId: string;
    email: string;
    displayName: string;
    roles: readonly Role[];
    mustChangePassword: boolean;
    importedAt: string;
  }
>;

export type PasswordSet = DomainEvent<'PasswordSet', { userId: string; viaSetupToken: boolean; setAt: string }>;

/** The national id itself is never stored, only its keyed hash (the same one as in `nationalid-<hmac>`). */
export type NationalIdVerified = DomainEvent<
  'NationalIdVerified',
  { userId: string; nationalIdHash: string; fullName: string; verifiedAt: string }
>;

export type RoleGranted = DomainEvent<
  'RoleGranted',
  { userId: string; role: GrantableRole; grantedBy: string; grantedAt: string }
>;

/**
 * The owner proved they read mail sent to `email` (a one-time code; the code itself stays in the
 * credentials tables). Permanent: an account's email never changes, so neither does this fact.
 */
export type EmailVerified = DomainEvent<'EmailVerified', { userId: string; email: string; verifiedAt: string }>;

export type UserEvent = UserRegistered | UserImported | PasswordSet | NationalIdVerified | RoleGranted | EmailVerified;
