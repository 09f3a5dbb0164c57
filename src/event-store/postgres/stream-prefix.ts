import type pg from 'pg';

/**
 * Support for `readAll({ streamPrefixes })` on postgres. `stream LIKE 'p%'` is the exact test,
 * but Postgres turns a LIKE prefix into an index range only under the "C" collation, so on a
 * database whose collation orders text by code point (C, POSIX, C.UTF-8) the read adds the range
 * `stream >= p AND stream < upper(p)`, which the (stream, revision) unique index serves. Under
 * other collations (en_US.utf8, the postgres image's default) such a range would not match the
 * prefix, so the read keeps to LIKE alone: correct, but a scan.
 */

/** `%`, `_` and the escape character itself match literally. */
export const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The least string greater than every string starting with `prefix`, in code point order: the
 * last code point incremented (surrogates skipped); undefined when none exists (only U+10FFFF).
 */
export function upperBound(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/**
 * Distinct prefixes none of which starts with another (a longer one adds nothing and, read by
 * range, would return its events twice); undefined when one of them is '' (no filter at all).
 */
export function normalizePrefixes(prefixes: readonly string[] | undefined): string[] | undefined {
  if (prefixes === undefined || prefixes.length === 0 || prefixes.includes('')) return undefined;
  const sorted = [...new Set(prefixes)].sort();
  return sorted.filter((p, i) => !sorted.slice(0, i).some((shorter) => p.startsWith(shorter)));
}

const CODE_POINT_COLLATIONS = /^(c|posix|c\.utf-?8)$/i;
const collations = new WeakMap<pg.Pool, Promise<boolean>>();

/** Whether the database's default collation (that of `events.stream`) orders by code point; asked once per pool. */
export function codePointOrder(pool: pg.Pool): Promise<boolean> {
  let known = collations.get(pool);
  if (known === undefined) {
    // Through to_jsonb: `datlocprovider` exists from PG 15 on and `datlocale` (the builtin provider's) from PG 17.
    known = pool
      .query<{ provider: string | null; collate: string | null; locale: string | null }>(
        `SELECT to_jsonb(d) ->> 'datlocprovider' AS provider, d.datcollate AS collate, to_jsonb(d) ->> 'datlocale' AS locale
         FROM pg_database d WHERE d.datname = current_database()`,
      )
      .then(({ rows: [row] }) => {
        if (row === undefined) return false;
        if (row.provider === 'i') return false; // ICU orders linguistically
        return CODE_POINT_COLLATIONS.test((row.provider === 'b' ? row.locale : row.collate) ?? '');
      })
      .catch(() => {
        collations.delete(pool); // ask again next time; LIKE alone is always correct meanwhile
        return false;
      });
    collations.set(pool, known);
  }
  return known;
}
