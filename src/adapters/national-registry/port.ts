import { NotFoundError, UnavailableError, ValidationError } from '../../domain/shared/errors.ts';

/**
 * The government population registry as the identity commands see it. Adapters (HTTP, sandbox)
 * speak only these types and errors, so registration code never handles HTTP status codes.
 *
 * Contract of `lookup`:
 * - the id is normalised and checked (format + check digit) BEFORE any network call; a bad id
 *   → ValidationError `national-id.invalid` (field `nationalId`);
 * - unknown id → NotFoundError `national-id.not-found`;
 * - deceased or revoked person → ValidationError `national-id.not-eligible`, so a caller cannot
 *   forget the check; a resolved lookup therefore always has status `active`;
 * - registry unreachable, too slow, 5xx/429 after retries, or circuit open
 *   → UnavailableError `national-registry.unavailable` (the caller may try again later).
 * Error messages never contain the national id: they end up in logs, and the event log itself
 * keeps only an HMAC of the id (see `nationalIdStream`).
 */
export interface NationalRegistry {
  lookup(nationalId: string, signal?: AbortSignal): Promise<RegistryPerson>;
}

export type RegistryStatus = 'active' | 'deceased' | 'revoked';

export const REGISTRY_STATUSES: readonly RegistryStatus[] = ['active', 'deceased', 'revoked'];

/** The registry's record; also the JSON body of `GET /v1/persons/{id}`. */
export interface RegistryPerson {
  nationalId: string;
  fullName: string;
  /** ISO date `YYYY-MM-DD`; some registry records have none. */
  dateOfBirth?: string;
  status: RegistryStatus;
}

export const NATIONAL_ID_CODES = {
  invalid: 'national-id.invalid',
  notFound: 'national-id.not-found',
  notEligible: 'national-id.not-eligible',
  unavailable: 'national-registry.unavailable',
} as const;

export const invalidNationalId = (reason: string): ValidationError =>
  new ValidationError(NATIONAL_ID_CODES.invalid, `nationalId ${reason}`, { field: 'nationalId' });

export const nationalIdNotFound = (): NotFoundError =>
  new NotFoundError(NATIONAL_ID_CODES.notFound, 'no person with this national id in the registry');

const nationalIdNotEligible = (status: RegistryStatus): ValidationError =>
  new ValidationError(NATIONAL_ID_CODES.notEligible, `the registry marks this national id as ${status}`, {
    field: 'nationalId',
  });

export const registryUnavailable = (reason: string, cause?: unknown): UnavailableError =>
  new UnavailableError(NATIONAL_ID_CODES.unavailable, `national registry unavailable: ${reason}`, { cause });

/** Throws `national-id.not-eligible` unless the person may register and vote. */
export function requireEligible(person: RegistryPerson): RegistryPerson {
  if (person.status !== 'active') throw nationalIdNotEligible(person.status);
  return person;
}

/*
 * National id format of the sandbox country: 11 digits `DDDDDDDDDDC`.
 * - People write it with spaces, hyphens or dots (`123-456-789 01`); those are dropped.
 * - C is a mod-11 check digit over the first ten digits with weights 10, 9, …, 1:
 *     S = 10·d1 + 9·d2 + … + 1·d10,   C = (11 − S mod 11) mod 11.
 *   When that gives 10 the number is never issued, so such ids are invalid.
 * All weights are non-zero mod 11, so any single wrong digit is caught, and so is swapping two
 * neighbours among the first ten (their weights differ). Checking this locally keeps typos from
 * costing a registry call (and from counting against the registry's rate limit).
 */
const NATIONAL_ID_LENGTH = 11;
const SEPARATORS = /[\s.-]/g;
const MAX_RAW_LENGTH = 32; // generous for separators; refuses absurd input before regexes run

/** The check digit for ten leading digits, or undefined when no id with this prefix is issued. */
export function nationalIdCheckDigit(firstTen: string): number | undefined {
  if (!/^\d{10}$/.test(firstTen)) return undefined;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += Number(firstTen[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? undefined : check;
}

/**
 * The canonical 11-digit form of user input, or ValidationError `national-id.invalid` (field
 * `nationalId`). Pure; call it before anything else touches the id (hashing, registry, streams),
 * so every layer sees the same spelling.
 */
export function normaliseNationalId(raw: unknown): string {
  if (typeof raw !== 'string') throw invalidNationalId('must be a string');
  if (raw.length > MAX_RAW_LENGTH) throw invalidNationalId(`must be ${NATIONAL_ID_LENGTH} digits`);
  const id = raw.replace(SEPARATORS, '');
  if (!/^\d{11}$/.test(id)) throw invalidNationalId(`must be ${NATIONAL_ID_LENGTH} digits`);
  if (nationalIdCheckDigit(id.slice(0, 10)) !== Number(id[10])) throw invalidNationalId('has a wrong check digit');
  return id;
}

export function isValidNationalId(raw: unknown): boolean {
  try {
    normaliseNationalId(raw);
    return true;
  } catch {
    return false;
  }
}
