/**
 * What an attacker puts where the API expects something reasonable. Leaves go into JSON bodies
 * (any JSON value, at any depth), segments into the URL path and query values into the query
 * string (both already percent-encoded, so that malformed encodings can be sent too).
 */
export const ECHO_LIMIT = 200;

const deep = (levels: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = wrap(value);
  return value;
};

const LONG = 'x'.repeat(10_000);
const MIXED_LONG = Array.from({ length: 400 }, (_, i) => `w${i}-`).join('');

export interface Hostile {
  label: string;
  value: unknown;
}

export const HOSTILE_LEAVES: readonly Hostile[] = [
  { label: 'empty string', value: '' },
  { label: '10 kB string', value: LONG },
  { label: 'long mixed string', value: MIXED_LONG },
  { label: 'NUL', value: 'a\u0000b' },
  { label: 'only NUL', value: '\u0000' },
  { label: 'unicode controls', value: '\u0001\u0008\u001b[31m\u007f\u0085\u2028\u2029\u202e\ufeff\ufffe' },
  { label: 'lone high surrogate', value: '\ud800' },
  { label: 'lone low surrogate', value: 'x\udfffy' },
  { label: 'emoji', value: '🦄👩‍👩‍👧' },
  { label: 'huge number', value: 1e308 },
  { label: '2^63', value: 2 ** 63 },
  { label: 'unsafe integer', value: Number.MAX_SAFE_INTEGER + 2 },
  { label: 'negative', value: -1 },
  { label: 'float', value: 1.5 },
  { label: 'tiny float', value: 1e-300 },
  { label: 'zero', value: 0 },
  { label: 'true', value: true },
  { label: 'null', value: null },
  { label: 'empty object', value: {} },
  { label: 'empty array', value: [] },
  { label: 'numeric string', value: '12345678901234567890' },
  { label: 'path traversal', value: '../../etc/passwd' },
  { label: 'SQL', value: "' OR 1=1 --" },
  { label: 'SQL 2', value: "'); DROP TABLE events; --" },
  { label: 'percent NUL', value: '%00' },
  // Parsed, so that __proto__ is an own key (an object literal would set the prototype instead).
  { label: 'prototype keys', value: JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}') },
  { label: 'html', value: '<script>alert(1)</script>' },
  { label: 'date-ish', value: '9999-99-99T99:99:99Z' },
  { label: 'uuid-ish', value: '00000000-0000-0000-0000-000000000000' },
  { label: '1,000-level nested arrays', value: deep(1_000, 1, (inner) => [inner]) },
  { label: '1,000-level nested objects', value: deep(1_000, 1, (inner) => ({ a: inner })) },
  { label: '10,000-item array', value: Array.from({ length: 10_000 }, (_, i) => i) },
  { label: '10,000 strings', value: Array.from({ length: 10_000 }, () => 'ab') },
  { label: 'object of wrong things', value: { a: [null, true, 1.5, 'x'], b: { c: '\u0000' } } },
];

/** Path segments as sent, percent-encoding included. */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '%00',
  'a%00b',
  '%ED%A0%80', // an unpaired surrogate, UTF-8 encoded: not valid UTF-8
  '%E0%A4%A', // a cut-off percent-encoding
  '%',
  '%C0%AF', // an overlong '/'
  '..%2F..%2Fetc%2Fpasswd',
  '..',
  "'%20OR%201%3D1%20--",
  '%F0%9F%A6%84',
  'p'.repeat(5_000),
  'q'.repeat(201),
  '-1',
  '1e308',
  'null',
  '%20',
  '%2e%2e',
  'UPPER-CASE-NOT-A-UUID',
  '00000000-0000-0000-0000-000000000000',
];

/** Query values as sent. */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  ...HOSTILE_SEGMENTS,
  '',
  'x'.repeat(10_000),
  '-0',
  '1.5',
  '99999999999999999999999',
  '9223372036854775808',
  '1e400',
  'NaN',
  'Infinity',
  '0x10',
  'true',
  '%5B%5D',
];

/** Whole bodies that are not JSON objects, as raw text. */
export const HOSTILE_RAW_BODIES: readonly string[] = [
  '',
  '{',
  '{"a":',
  '[]',
  'null',
  '"\\u0000"',
  '"\\ud800"',
  '{"a":"\\ud800"}',
  '\u0000',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '['.repeat(100_000),
  `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  '{"a":1,"a":2}',
  '\ufeff{}',
  `"${'x'.repeat(10_000)}"`,
  '1e999999',
];

export const HOSTILE_MEDIA_TYPES: readonly (string | undefined)[] = [
  undefined,
  'application/xml',
  'text/plain',
  'text/csv',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/jsonl',
  'application/x-ndjson',
  'application/octet-stream',
  '*/*',
  'application/vnd.api+json',
];

/** Every string of a value longer than the echo limit: what an error must not send back whole. */
export function longStrings(value: unknown, into: string[] = []): string[] {
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited++ < 50_000) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.length > ECHO_LIMIT) into.push(item);
    } else if (Array.isArray(item)) {
      stack.push(...item.slice(0, 100));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (key.length > ECHO_LIMIT) into.push(key);
        stack.push(child);
      }
    }
  }
  return into;
}
