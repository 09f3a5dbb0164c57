import type { Fixtures, Who } from './fixtures.ts';
import { CALLERS } from './fixtures.ts';
import { ECHO_LIMIT, HOSTILE_LEAVES, HOSTILE_MEDIA_TYPES, HOSTILE_QUERY_VALUES, HOSTILE_RAW_BODIES, HOSTILE_SEGMENTS, longStrings } from './hostile.ts';
import type { Random } from './random.ts';
import { validValue, type Schema } from './schema-values.ts';

/** One operation of the OpenAPI document, as the fuzzer needs it. */
export interface Operation {
  id: string;
  method: string;
  /** OpenAPI form: `/api/polls/{pollId}`. */
  path: string;
  pathParams: Array<{ name: string; schema: Schema }>;
  queryParams: Array<{ name: string; schema: Schema }>;
  /** Media type → schema of the body; absent for operations without one. */
  body?: Record<string, Schema>;
}

export interface FuzzRequest {
  operation: string;
  who: Who;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What was spoiled, for the report. */
  mutation: string;
  /** Strings of the request longer than the echo limit. */
  long: string[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; parameters?: Array<{ in: string; name: string; schema: Schema }>; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, unknown> };
}

/** The document with every `#/components/schemas/...` reference replaced by the schema it names (the fuzzer reads schemas inline). */
function inlineRefs<T>(node: T, schemas: Record<string, unknown>, depth = 0): T {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, schemas, depth)) as T;
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/') && depth < 20) {
    return inlineRefs(schemas[ref.slice('#/components/schemas/'.length)] as T, schemas, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inlineRefs(value, schemas, depth)])) as T;
}

export function operationsOf(referenced: OpenApiDocument): Operation[] {
  const document = inlineRefs(referenced, referenced.components?.schemas ?? {});
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const parameters = op.parameters ?? [];
      operations.push({
        id: op.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map(({ name, schema }) => ({ name, schema })),
        queryParams: parameters.filter((p) => p.in === 'query').map(({ name, schema }) => ({ name, schema })),
        ...(op.requestBody
          ? { body: Object.fromEntries(Object.entries(op.requestBody.content).map(([type, { schema }]) => [type, schema ?? {}])) }
          : {}),
      });
    }
  }
  return operations;
}

/** Operations that stream until the client goes: only requests refused before the stream starts are sent. */
const STREAMING = new Set(['liveResultsSse']);

/**
 * One request for the operation: valid where it is not spoiled (existing ids, a body that would
 * succeed), so that the spoilt parts are what the server has to cope with: path parameters,
 * query parameters, a leaf or a key of the body, the whole body, its media type, each with some
 * probability.
 */
export function buildRequest(operation: Operation, fixtures: Fixtures, random: Random): FuzzRequest {
  const who = random.pick(CALLERS);
  const long: string[] = [];
  const mutations: string[] = [];
  const streaming = STREAMING.has(operation.id);

  let url = operation.path;
  for (const { name, schema } of operation.pathParams) {
    const spoil = streaming || random.chance(0.3);
    const segment = spoil ? random.pick(HOSTILE_SEGMENTS) : encodeURIComponent(String(validValue(schema, name, fixtures.known, random)));
    if (spoil) mutations.push(`path ${name}=${excerpt(segment)}`);
    if (segment.length > ECHO_LIMIT) long.push(segment);
    url = url.replace(`{${name}}`, segment);
  }
  const query: string[] = [];
  for (const { name, schema } of operation.queryParams) {
    if (random.chance(0.5)) continue;
    if (random.chance(0.5)) {
      const value = random.pick(HOSTILE_QUERY_VALUES);
      mutations.push(`query ${name}=${excerpt(value)}`);
      if (value.length > ECHO_LIMIT) long.push(value);
      query.push(`${name}=${value}`);
    } else {
      query.push(`${name}=${encodeURIComponent(String(validValue(schema, name, fixtures.known, random)))}`);
    }
  }
  if (random.chance(0.05)) {
    const value = random.pick(HOSTILE_QUERY_VALUES);
    query.push(`unknown${random.int(0, 9)}=${value}`);
    if (value.length > ECHO_LIMIT) long.push(value);
    mutations.push('unknown query parameter');
  }
  if (query.length > 0) url += `?${query.join('&')}`;

  const headers: Record<string, string> = {};
  const caller = fixtures.callers.get(who);
  if (caller) Object.assign(headers, caller.headers);
  let payload: string | undefined;
  if (operation.body) {
    const built = operation.body['application/json'] ? jsonBody(operation, fixtures, random) : fileBody(operation, random);
    payload = built.payload;
    if (built.contentType !== undefined) headers['content-type'] = built.contentType;
    mutations.push(built.mutation);
    long.push(...built.long);
  } else if (random.chance(0.1)) {
    const raw = random.pick(HOSTILE_RAW_BODIES);
    payload = raw;
    const type = random.pick(HOSTILE_MEDIA_TYPES);
    if (type !== undefined) headers['content-type'] = type;
    mutations.push(`unexpected body (${type ?? 'no type'})`);
  }
  if (random.chance(0.03)) {
    headers['idempotency-key'] = random.pick(['', 'k'.repeat(5_000), '../../etc/passwd', "' OR 1=1 --", 'ok-key-1']);
    mutations.push('idempotency-key');
  }
  return { operation: operation.id, who, method: operation.method, url, headers, ...(payload !== undefined ? { payload } : {}), mutation: mutations.join('; ') || 'none', long };
}

interface BuiltBody {
  payload: string;
  contentType: string | undefined;
  mutation: string;
  long: string[];
}

function jsonBody(operation: Operation, fixtures: Fixtures, random: Random): BuiltBody {
  const schema = operation.body!['application/json']!;
  const baseline = fixtures.bodies[operation.id]?.() ?? validValue(schema, 'body', fixtures.known, random);
  const roll = random.float();
  if (roll < 0.55) {
    const hostile = random.pick(HOSTILE_LEAVES);
    const { value, at } = replaceLeaf(baseline, hostile.value, random);
    return { payload: JSON.stringify(value), contentType: 'application/json', mutation: `body ${at} = ${hostile.label}`, long: longStrings(hostile.value) };
  }
  if (roll < 0.65) {
    const hostile = random.pick(HOSTILE_LEAVES);
    const key = random.pick(['k'.repeat(5_000), 'a\u0000b', '\ud800', '__proto__', 'constructor', '', 'x.y/z', '$ref']);
    const { value, at } = addKey(baseline, key, hostile.value, random);
    return { payload: JSON.stringify(value), contentType: 'application/json', mutation: `body ${at} + key ${excerpt(key)}`, long: longStrings({ [key]: hostile.value }) };
  }
  if (roll < 0.75) {
    const hostile = random.pick(HOSTILE_LEAVES);
    return { payload: JSON.stringify(hostile.value), contentType: 'application/json', mutation: `whole body = ${hostile.label}`, long: longStrings(hostile.value) };
  }
  if (roll < 0.83) {
    const raw = random.pick(HOSTILE_RAW_BODIES);
    return { payload: raw, contentType: 'application/json', mutation: `raw body ${excerpt(raw)}`, long: raw.length > ECHO_LIMIT ? [raw] : [] };
  }
  if (roll < 0.92) {
    const type = random.pick(HOSTILE_MEDIA_TYPES);
    return { payload: JSON.stringify(baseline), contentType: type, mutation: `media type ${type ?? 'none'}`, long: [] };
  }
  return { payload: JSON.stringify(baseline), contentType: 'application/json', mutation: 'valid body', long: [] };
}

/** CSV and JSON lines uploads (importUsers), with hostile values in the rows. */
function fileBody(operation: Operation, random: Random): BuiltBody {
  const types = Object.keys(operation.body!);
  const contentType = random.chance(0.85) ? random.pick(types) : random.pick(HOSTILE_MEDIA_TYPES);
  const strings = HOSTILE_LEAVES.filter((h) => typeof h.value === 'string').map((h) => h.value as string);
  const cell = () => (random.chance(0.5) ? random.pick(strings) : `u${random.int(0, 1e6)}@example.org`);
  const rows = Array.from({ length: random.int(0, 5) }, () => [cell(), cell(), random.chance(0.3) ? cell() : '']);
  let payload: string;
  if (contentType === 'text/csv' || random.chance(0.3)) {
    const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
    const header = random.chance(0.9) ? 'email,displayName,password' : random.pick(['mail,name', '\u0000', 'email,email', 'k'.repeat(5_000)]);
    payload = [header, ...rows.map((r) => r.map(quote).join(','))].join(random.pick(['\n', '\r\n']));
  } else {
    payload = rows.map(([email, displayName, password]) => {
      const row: Record<string, unknown> = { email, displayName, ...(password ? { password } : {}) };
      if (random.chance(0.2)) row[random.pick(['role', 'a\u0000', 'k'.repeat(5_000)])] = random.pick(HOSTILE_LEAVES).value;
      return random.chance(0.1) ? random.pick(HOSTILE_RAW_BODIES) : JSON.stringify(row);
    }).join('\n');
  }
  return { payload, contentType, mutation: `${contentType ?? 'no type'} upload of ${rows.length} rows`, long: longStrings(rows.flat()) };
}

function excerpt(text: string): string {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…(${text.length})` : text);
  return shown;
}

type Json = unknown;

/** Every path to a value inside the body (the body itself excluded), capped for huge arrays. */
function pathsOf(value: Json, prefix: Array<string | number> = [], into: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) value.slice(0, 20).forEach((item, i) => { into.push([...prefix, i]); pathsOf(item, [...prefix, i], into); });
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.push([...prefix, key]);
      pathsOf(child, [...prefix, key], into);
    }
  }
  return into;
}

function replaceLeaf(baseline: Json, hostile: Json, random: Random): { value: Json; at: string } {
  const paths = pathsOf(baseline);
  if (paths.length === 0) return { value: hostile, at: '(body)' };
  const path = random.pick(paths);
  const copy = structuredClone(baseline) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path.at(-1)!] = hostile;
  return { value: copy, at: path.join('.') };
}

function addKey(baseline: Json, key: string, hostile: Json, random: Random): { value: Json; at: string } {
  const objects = [[], ...pathsOf(baseline)].filter((path) => {
    let node = baseline as Record<string | number, Json>;
    for (const k of path) node = node[k] as Record<string | number, Json>;
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
  if (objects.length === 0) return { value: { [key]: hostile }, at: '(body)' };
  const path = random.pick(objects);
  const copy = structuredClone(baseline) as Record<string | number, Json>;
  let node = copy;
  for (const k of path) node = node[k] as Record<string | number, Json>;
  Object.defineProperty(node, key, { value: hostile, enumerable: true, configurable: true, writable: true });
  return { value: copy, at: path.join('.') || '(body)' };
}
