import type { Random } from './random.ts';

/** The subset of JSON Schema (as @fastify/swagger writes it into OpenAPI 3.1) the generator reads. */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  examples?: unknown[];
  example?: unknown;
  default?: unknown;
}

/** Ids and names that exist in the fuzzed database, by the parameter or property name that takes them. */
export type KnownValues = Record<string, readonly string[]>;

/**
 * A value the schema accepts (as far as a schema can say: the domain may still refuse it),
 * preferring ids that exist, so that requests get past "not found" into the code behind it.
 */
export function validValue(schema: Schema, name: string, known: KnownValues, random: Random): unknown {
  const pool = known[name];
  if (pool && pool.length > 0 && random.chance(0.8)) return random.pick(pool);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return random.pick(schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return validValue(random.pick(branches), name, known, random);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => validValue(part, name, known, random)));
  const type = Array.isArray(schema.type) ? random.pick(schema.type) : schema.type;
  switch (type) {
    case 'string':
      return validString(schema, random);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? min + 10, min + 1_000);
      return random.int(min, max);
    }
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const count = random.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3));
      return Array.from({ length: count }, () => validValue(schema.items ?? {}, name, known, random));
    }
    case 'object':
    case undefined: {
      if (!schema.properties) return type === 'object' ? {} : 'fuzz';
      const value: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties)) {
        if (schema.required?.includes(key) || random.chance(0.5)) value[key] = validValue(child, key, known, random);
      }
      return value;
    }
    default:
      return 'fuzz';
  }
}

function validString(schema: Schema, random: Random): string {
  const example = schema.examples?.[0] ?? schema.example ?? schema.default;
  if (typeof example === 'string' && random.chance(0.7)) return example;
  if (schema.format === 'uuid') return random.uuid();
  if (schema.format === 'date-time') return new Date(Date.UTC(2020, 0, 1) + random.int(0, 2_000) * 86_400_000).toISOString();
  const length = random.int(Math.max(schema.minLength ?? 1, 1), Math.max(Math.min(schema.maxLength ?? 12, 12), schema.minLength ?? 1));
  return 'fuzz'.repeat(Math.ceil(length / 4)).slice(0, length);
}
