import { ValidationError } from '../../domain/shared/errors.ts';

/**
 * Opaque keyset cursors: base64url of a small versioned JSON document holding the sort key of the
 * last item returned. Clients must not build or read them; the version lets the key change later
 * while old cursors are still rejected cleanly (422) instead of misread.
 */
const VERSION = 1;

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, k: key }), 'utf8').toString('base64url');
}

/** The key, or a ValidationError on the `cursor` field (422) for anything this did not issue. */
function decodeCursor(cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  const { v, k } = (parsed ?? {}) as { v?: unknown; k?: unknown };
  if (v !== VERSION || typeof k !== 'string') throw invalid();
  return k;
}

/** A position key: digits only, so it can be bound as a bigint. */
export function decodePositionCursor(cursor: string): bigint {
  const key = decodeCursor(cursor);
  if (!/^\d{1,19}$/.test(key)) throw invalid();
  return BigInt(key);
}

function invalid(cause?: unknown): ValidationError {
  return new ValidationError('cursor.invalid', 'cursor is not one this API issued', { field: 'cursor', cause });
}
