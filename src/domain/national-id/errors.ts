import { ConflictError } from '../shared/errors.ts';

export const NATIONAL_ID_CODES = { taken: 'national-id.taken' } as const;

/** Says nothing about who holds the id: that would leak another person's account. */
export const nationalIdTaken = (): ConflictError =>
  new ConflictError(NATIONAL_ID_CODES.taken, 'this national id is already linked to another account');
