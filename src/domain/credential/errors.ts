import { ConflictError, ForbiddenError } from '../shared/errors.ts';

/** Stable codes of ballot credentials (clients match on them). */
export const CREDENTIAL_CODES = {
  alreadyIssued: 'credential.already-issued',
  notOffered: 'credential.not-offered',
  verificationRequired: 'credential.verification-required',
  invalidBlindedMessage: 'credential.invalid-blinded-message',
} as const;

export const credentialAlreadyIssued = (pollId: string): ConflictError =>
  new ConflictError(CREDENTIAL_CODES.alreadyIssued, `this account already obtained its ballot credential for poll ${pollId}`);

export const credentialNotOffered = (pollId: string): ConflictError =>
  new ConflictError(CREDENTIAL_CODES.notOffered, `poll ${pollId} does not use blind ballot credentials`);

export const credentialVerificationRequired = (): ForbiddenError =>
  new ForbiddenError(CREDENTIAL_CODES.verificationRequired, 'this poll needs a verified national ID (POST /api/identity/verify)');
