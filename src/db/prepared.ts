import { createHash } from 'node:crypto';
import type { QuerySqlToken } from 'slonik';

/**
 * The statement as a named prepared statement, named after its text: PostgreSQL parses and plans
 * it once per connection instead of on every execution. For the statements run on every batch or
 * every few ballots, parsing and planning were a quarter of PostgreSQL's CPU per ballot.
 *
 * Only for statements whose text takes a bounded number of shapes, every value bound as a
 * parameter: each distinct text stays prepared for the connection's life, on both sides. The
 * name is a digest of the text, so two texts can never share a name (pg refuses that).
 * A later change of the tables or of `search_path` makes PostgreSQL plan it again by itself.
 */
export function prepared<T extends QuerySqlToken>(query: T): T {
  let name = names.get(query.sql);
  if (name === undefined) {
    if (names.size >= MAX_SHAPES) throw new Error(`more than ${MAX_SHAPES} prepared statement texts: a caller splices values into its SQL`);
    name = `pollster-${createHash('sha256').update(query.sql).digest('base64url').slice(0, 22)}`;
    names.set(query.sql, name);
  }
  return Object.freeze({ ...query, name });
}

// A guard, not a cache limit: the shapes in use are a few dozen.
const MAX_SHAPES = 1_000;
const names = new Map<string, string>();
