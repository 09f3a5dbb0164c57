import type { ValueNode } from 'graphql';
import { GraphQLScalarType, Kind } from '../graphql-js.ts';

/** Event data and metadata are whatever the event holds: passed through as JSON. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
});

/** Log positions stay below 2^53 (the events table refuses larger ones), so a JSON number is exact. */
export const PositionScalar = new GraphQLScalarType({
  name: 'Position',
  serialize: (value) => Number(value),
  parseValue: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError('a position is a non-negative integer below 2^53');
    return value;
  },
  parseLiteral: (node: ValueNode) => {
    if (node.kind !== Kind.INT) throw new TypeError('a position is a non-negative integer below 2^53');
    const value = Number(node.value);
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError('a position is a non-negative integer below 2^53');
    return value;
  },
});
