import { sql } from 'slonik';

/**
 * A batch's rows as one table source: `json_to_recordset` over a single `json` parameter,
 * serialised with JSON.stringify and bound as text. `as` names the columns and their types.
 *
 * - `json`, not `jsonb`: the document is read once and thrown away, and turning 1.7 MB of text
 *   into jsonb first cost about twice as much as json_to_recordset's own pass over it.
 * - Not `sql.jsonb`/`sql.json`: they walk every string of the payload to refuse NUL bytes and
 *   lone surrogates, building a path string per value. Projection rows are copied from events
 *   PostgreSQL already stored as jsonb, so they can hold neither.
 * - JSON arrays go straight into text[] columns (the recordset converts them): a per-row
 *   ARRAY(SELECT json_array_elements_text(...)) cost a third of a rebuild's ballot insert.
 */
export const jsonRows = (rows: readonly object[], as: ReturnType<typeof sql.fragment>) =>
  sql.fragment`json_to_recordset(${JSON.stringify(rows)}::json) AS ${as}`;
