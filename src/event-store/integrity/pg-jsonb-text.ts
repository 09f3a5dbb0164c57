/**
 * PostgreSQL's text form of a jsonb value, rebuilt in JS. Only for events stored before the
 * integrity chain existed: migrations/010_integrity.sql could not run JCS inside the database, so
 * their digests (digest format 0) are over `jsonb_build_array(type, data, metadata, stream, id)::text`.
 * The rules (PostgreSQL's jsonb output): keys ordered by byte length, then bytewise; `", "` and
 * `": "` separators; strings escape only `"`, `\`, \b \f \n \r \t and other controls as `\u00xx`;
 * numbers in plain decimal notation (numeric keeps the digits JSON.stringify wrote, never an exponent).
 */
export function pgJsonbText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pgString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return plainDecimal(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(pgJsonbText).join(', ')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort(byLengthThenBytes);
      return `{${keys.map((k) => `${pgString(k)}: ${pgJsonbText(record[k])}`).join(', ')}}`;
    }
    default:
      throw new TypeError(`jsonb has no ${typeof value}`);
  }
}

function byLengthThenBytes(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function pgString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** 1e21 → "1000000000000000000000", 1.5e-7 → "0.00000015": numeric_out of JSON.stringify's digits. */
export function plainDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`jsonb has no ${n}`);
  const text = JSON.stringify(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', int = '', frac = '', exp = '0'] = match;
  const digits = int + frac;
  const point = int.length + Number(exp); // where the decimal point goes in `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
