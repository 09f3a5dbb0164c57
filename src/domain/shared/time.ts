import { ValidationError } from './errors.ts';

/**
 * Times enter the domain on commands (the domain has no clock) as a Date or an ISO string and
 * leave it in events as canonical ISO-8601 UTC strings, so that stored events compare and sort
 * as text and never depend on the server's time zone.
 */
export type Instant = Date | string;

export function toMillis(value: Instant): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** Canonical ISO string; a value that is not a time is the caller's input error. */
export function toIso(value: Instant, field: string, code = 'validation.invalid-time'): string {
  const ms = toMillis(value);
  if (!Number.isFinite(ms)) {
    throw new ValidationError(code, `${field} is not a valid ISO-8601 time`, { field });
  }
  return new Date(ms).toISOString();
}
