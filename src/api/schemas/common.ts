import Type from 'typebox';

/** Shapes shared by many routes: ids, the problem+json body, log positions. */
export const Uuid = Type.String({ format: 'uuid', examples: ['3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f'] });

/**
 * A `$all` position: increases along the log; compare positions to order events. Positions stay
 * below 2^53 (migrations/001_events.sql); the bound also keeps `?at=1e400` (which the query string
 * coerces to Infinity, an "integer" to JSON Schema) and `?after=1e30` from reaching BigInt or
 * PostgreSQL's int8.
 */
export const Position = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'log position ($all)', examples: [26843545601] });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    field: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));
}

export const bearer = [{ bearerAuth: [] as string[] }];
