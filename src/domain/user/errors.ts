import { ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.ts';

export const USER_CODES = {
  exists: 'user.exists',
  notFound: 'user.not-found',
  alreadyVerified: 'user.already-verified',
  setupTokenRequired: 'user.setup-token-required',
  setupTokenUsed: 'user.setup-token-used',
  missingSetupToken: 'user.missing-setup-token',
  invalidEmail: 'user.invalid-email',
  invalidDisplayName: 'user.invalid-display-name',
  invalidFullName: 'user.invalid-full-name',
  invalidRole: 'user.invalid-role',
  emailAlreadyVerified: 'user.email-already-verified',
  emailMismatch: 'user.email-mismatch',
} as const;

export const userExists = (userId: string): ConflictError =>
  new ConflictError(USER_CODES.exists, `user ${userId} already exists`);

export const userNotFound = (userId: string): NotFoundError =>
  new NotFoundError(USER_CODES.notFound, `user ${userId} does not exist`);

export const alreadyVerified = (userId: string): ConflictError =>
  new ConflictError(USER_CODES.alreadyVerified, `user ${userId} is already verified with another national id`);

export const setupTokenRequired = (): ForbiddenError =>
  new ForbiddenError(USER_CODES.setupTokenRequired, 'this account sets its first password with its setup token');

export const setupTokenUsed = (): ForbiddenError =>
  new ForbiddenError(USER_CODES.setupTokenUsed, 'this account already has a password; the setup token is spent');

export const emailAlreadyVerified = (userId: string): ConflictError =>
  new ConflictError(USER_CODES.emailAlreadyVerified, `user ${userId} has verified their email address already`);
