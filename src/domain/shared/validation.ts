import { ValidationError } from './errors.ts';

/**
 * Small checks shared by the deciders. The API validates shapes with schemas first; these repeat
 * the rules that are the domain's own (lengths, emptiness, integers) so that a decider is safe to
 * call from anywhere, including the CLI and imports.
 */

export function requireText(value: unknown, field: string, code: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0) {
    throw new ValidationError(code, `${field} must not be empty`, { field });
  }
  if (text.length > max) {
    throw new ValidationError(code, `${field} must be at most ${max} characters`, { field });
  }
  return text;
}

/** Ids come from the handler (UUIDs, hashes); an empty one is a bug we refuse to store. */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError('validation.invalid-id', `${field} must be a non-empty id`, { field });
  }
  return value;
}

/** A value from a fixed list, checked at runtime because commands may be built from raw input. */
export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, code: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(code, `${field} must be one of ${allowed.join(', ')}`, { field });
  }
  return value as T;
}

export function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * An absolute http:// or https:// URL of at most `max` characters, normalised (`new URL().href`),
 * or undefined for anything else: other schemes (javascript:, data:, file:) have no business in
 * a link or a picture Pollster hands to others.
 */
export function httpUrl(value: unknown, max = 2000): string | undefined {
  if (typeof value !== 'string' || value.length > max || !/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
