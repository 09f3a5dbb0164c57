import { z } from 'zod';

/**
 * Row schemas for columns slonik parses in its own way: timestamptz arrives as epoch
 * milliseconds, and the API speaks ISO-8601 UTC; jsonb arrives parsed, and is trusted to have
 * the shape the projection wrote (checked only to be an object or array, not field by field).
 */
export const isoTime = z.number().transform((ms) => new Date(ms).toISOString());

export const nullableIsoTime = z
  .number()
  .nullable()
  .transform((ms) => (ms === null ? null : new Date(ms).toISOString()));

export const jsonOf = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null);
