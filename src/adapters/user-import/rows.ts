import { TEXT_FAULTS, textFault } from '../../domain/shared/text.ts';

/**
 * Rows of a user import file, parsed as a stream: one line (or CSV record) at a time, so a file of
 * any size is never held in memory. Pulling from the input's async iterator is what gives
 * back-pressure: nothing more is read until the importer asks for the next row.
 *
 * Line numbers are physical lines of the file, 1-based (a CSV header is line 1), so an admin can
 * find a reported row in an editor. A bad row becomes `{ line, error }` and parsing goes on; only
 * an unusable CSV header stops the file (`ImportFileError`).
 */
export type ImportFormat = 'csv' | 'jsonl';

export interface ImportRow {
  line: number;
  email: string;
  displayName: string;
  nationalId?: string;
  password?: string;
}

export type ParsedRow = { line: number; row: ImportRow } | { line: number; error: string };

export class ImportFileError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

export const FIELDS = { email: 'email', displayname: 'displayName', nationalid: 'nationalId', password: 'password' } as const;
export type Field = (typeof FIELDS)[keyof typeof FIELDS];

export function fieldOf(name: string): Field | undefined {
  return (FIELDS as Record<string, Field>)[name.trim().toLowerCase().replace(/[\s_-]/g, '')];
}

/**
 * Builds a row from named values; optional columns left empty count as absent. A value PostgreSQL
 * cannot hold (src/domain/shared/text.ts) is the row's fault, reported by field like any other,
 * rather than a database error that would stop the import.
 */
export function toRow(line: number, values: Partial<Record<Field, string | null | undefined>>): ParsedRow {
  for (const field of Object.values(FIELDS)) {
    const fault = values[field] ? textFault(values[field]) : undefined;
    if (fault) return { line, error: `${field} contains ${TEXT_FAULTS[fault]}` };
  }
  const row: ImportRow = { line, email: values.email ?? '', displayName: values.displayName ?? '' };
  if (!values.email) return { line, error: 'email is missing' };
  if (!values.displayName) return { line, error: 'displayName is missing' };
  if (values.nationalId) row.nationalId = values.nationalId;
  if (values.password) row.password = values.password;
  return { line, row };
}

