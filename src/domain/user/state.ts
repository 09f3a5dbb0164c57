import type { Role } from './roles.ts';

type Profile = {
  userId: string;
  email: string;
  displayName: string;
  roles: readonly Role[];
  /** Null until verified; then the keyed hash of the verified national id. */
  nationalIdHash: string | null;
  fullName: string | null;
  /** Absent until the owner proves the address is theirs (EmailVerified). */
  emailVerifiedAt?: string;
};

/**
 * `awaiting-password`: imported without a password, can only set one with a setup token.
 * `active`: has a password (registered, imported with one, or set since).
 */
export type UserState =
  | { status: 'none' }
  | ({ status: 'awaiting-password' } & Profile)
  | ({ status: 'active' } & Profile);

export const initialUserState = (): UserState => ({ status: 'none' });
