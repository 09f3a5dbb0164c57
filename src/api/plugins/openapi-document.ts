import { COMPONENT_NAMES, NESTED_COMPONENTS, PROBLEM_EXAMPLES, STATUS_DESCRIPTIONS, STREAM_CONTENT } from './openapi-names.ts';

/**
 * Completes the OpenAPI document @fastify/swagger builds from the route schemas, so that a
 * generator (openapi-typescript, openapi-generator, ...) gets a typed client with named types:
 *
 * - every JSON request and response body becomes a named component (`#/components/schemas/...`):
 *   names from openapi-names.ts by operation and status, nested ones (Question, Answer, Flag, ...)
 *   by their place in a named one, anything left `<OperationId>Request`/`<OperationId>Response`;
 *   schemas with the same name and the same shape are one component;
 * - every response has a description and an example (an example given in the schema is kept,
 *   otherwise one is made from the schema's examples, formats and types);
 * - the streams (server-sent events, the websocket upgrade, the import upload) get their real
 *   media types and the schema of what they carry.
 *
 * The route schemas stay the source: this only rearranges what they say, and the same function
 * runs on every request for the document (it is cheap: a walk over a few hundred kB).
 */
type Json = any;
type Components = Record<string, Json>;

const JSON_TYPE = 'application/json';

export function completeDocument(document: Json): Json {
  const doc = structuredClone(document);
  const schemas: Components = (doc.components.schemas ??= {});
  Object.assign(schemas, STREAM_CONTENT.components);
  for (const [path, methods] of Object.entries<Record<string, Json>>(doc.paths)) {
    for (const operation of Object.values<Json>(methods)) {
      const id: string = operation.operationId ?? path;
      const names = COMPONENT_NAMES[id] ?? {};
      const stream = STREAM_CONTENT.operations[id];
      if (stream?.requestBody) operation.requestBody = stream.requestBody;
      const body = operation.requestBody?.content?.[JSON_TYPE];
      if (body?.schema && !body.schema.$ref) body.schema = register(schemas, names.request ?? `${pascal(id)}Request`, body.schema);
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        if (stream?.responses?.[status]) Object.assign(response, stream.responses[status]);
        const code = Number(status);
        const json = response.content?.[JSON_TYPE];
        if (json?.schema && !json.schema.$ref) {
          const name = names[status] ?? (code >= 400 ? 'Problem' : `${pascal(id)}${code === 200 || code === 201 ? '' : status}Response`);
          json.schema = register(schemas, name, json.schema);
        }
        if (!response.description || response.description === 'Default Response' || code >= 400) {
          response.description = describe(code, operation, response.description);
        }
        for (const [type, media] of Object.entries<Json>(response.content ?? {})) {
          if (media.example !== undefined || media.examples !== undefined) continue;
          const problem = code >= 400 && type === JSON_TYPE && media.schema?.$ref === '#/components/schemas/Problem';
          media.example = problem ? PROBLEM_EXAMPLES(code) : sample(media.schema, schemas);
        }
      }
    }
  }
  return doc;
}

/**
 * Puts `schema` (and the nested parts NESTED_COMPONENTS names) into components under `name`
 * and returns the reference. A second schema under a taken name is the same component when it
 * has the same shape, otherwise it gets a numbered name.
 */
function register(schemas: Components, name: string, schema: Json): Json {
  for (const [pointer, nestedName] of NESTED_COMPONENTS[name] ?? []) {
    const parent = at(schema, pointer.slice(0, -1));
    const key = pointer[pointer.length - 1]!;
    if (parent?.[key] && !parent[key].$ref) parent[key] = register(schemas, nestedName, parent[key]);
  }
  const { $id: _id, ...clean } = schema;
  let unique = name;
  for (let n = 2; schemas[unique] && shape(schemas[unique]) !== shape(clean); n++) unique = `${name}${n}`;
  schemas[unique] ??= clean;
  return { $ref: `#/components/schemas/${unique}` };
}

/** The same shape: equal but for the top-level description (a route may say why it answers with it). */
const shape = ({ description: _d, ...rest }: Json): string => JSON.stringify(rest);

function at(schema: Json, pointer: readonly string[]): Json {
  return pointer.reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), schema);
}

function describe(status: number, operation: Json, given: string | undefined): string {
  if (status >= 400) return STATUS_DESCRIPTIONS[status] ?? `problem details (${status})`;
  if (given && given !== 'Default Response') return given;
  const what = STATUS_DESCRIPTIONS[status] ?? 'OK';
  return operation.summary ? `${what}: ${operation.summary}` : what;
}

/** An example value from a schema: its own examples first, then formats, enums and types. */
export function sample(schema: Json, schemas: Components, depth = 0): Json {
  if (!schema || depth > 12) return null;
  if (schema.$ref) return sample(schemas[String(schema.$ref).split('/').pop()!], schemas, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) {
    const first = alternatives.find((s: Json) => s.type !== 'null') ?? alternatives[0];
    return sample(first, schemas, depth + 1);
  }
  switch (schema.type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [key, value] of Object.entries<Json>(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(key) || depth < 2) out[key] = sample(value, schemas, depth + 1);
      }
      return out;
    }
    case 'array':
      return schema.items ? [sample(schema.items, schemas, depth + 1)] : [];
    case 'integer':
      return Math.max(0, schema.minimum ?? 0, 1);
    case 'number':
      return schema.minimum ?? 0.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return stringSample(schema);
    default:
      return null;
  }
}

function stringSample(schema: Json): string {
  switch (schema.format) {
    case 'uuid':
      return '3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f';
    case 'date-time':
      return '2030-03-01T09:00:00.000Z';
    case 'email':
      return 'ada@example.org';
    case 'uri':
      return 'https://example.org/';
    default:
      return 'string'.padEnd(schema.minLength ?? 0, 'x');
  }
}

const pascal = (id: string): string => id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase());
