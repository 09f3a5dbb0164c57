import type { DomainCommand } from '../shared/decider.ts';
import type { Instant } from '../shared/time.ts';
import type { GrantableRole } from './roles.ts';

/**
 * The handler stores the password hash (or setup token hash) in the credentials table in the same
 * request; the commands say only what the domain needs to know about it.
 */
export type RegisterUser = DomainCommand<
  'RegisterUser',
  { userId: string; email: string; displayName: string; isFirstUser: boolean; now: Instant }
>;

/** Without a password the import must come with a setup token, or the account could never log in. */
export type ImportUser = DomainCommand<
  'ImportUser',
  { userId: string; email: string; displayName: string; hasPassword: boolean; setupTokenHash?: string; now: Instant }
>;

/** `viaSetupToken`: the handler checked a one-time setup token instead of the current password. */
export type SetPassword = DomainCommand<'SetPassword', { userId: string; now: Instant; viaSetupToken?: boolean }>;

export type VerifyNationalId = DomainCommand<
  'VerifyNationalId',
  { userId: string; nationalIdHash: string; fullName: string; now: Instant }
>;

export type GrantRole = DomainCommand<
  'GrantRole',
  { userId: string; role: GrantableRole; grantedBy: string; now: Instant }
>;

/**
 * `email`: the address the handler sent the one-time code to; it must still be the account's
 * own, so a code can never vouch for an address other than the one it reached.
 */
export type VerifyEmail = DomainCommand<'VerifyEmail', { userId: string; email: string; now: Instant }>;

export type UserCommand = RegisterUser | ImportUser | SetPassword | VerifyNationalId | GrantRole | VerifyEmail;
