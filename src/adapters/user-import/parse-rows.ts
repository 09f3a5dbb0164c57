import { excerpt } from '../../domain/shared/text.ts';
import { parseCsv } from './csv-rows.ts';
import { MAX_LINE_CHARS, readLines } from './read-lines.ts';
import { FIELDS, toRow, type Field, type ImportFormat, type ParsedRow } from './rows.ts';

export { MAX_RECORD_BYTES, parseCsv } from './csv-rows.ts';
export { MAX_LINE_CHARS, readLines } from './read-lines.ts';
export { ImportFileError, type ImportFormat, type ImportRow, type ParsedRow } from './rows.ts';

/** JSON lines: one object per line, with exactly the fields of a row (anything else is the row's error). */
async function* parseJsonLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<ParsedRow> {
  for await (const { line, text, tooLong } of readLines(input)) {
    if (tooLong) {
      yield { line, error: `line longer than ${MAX_LINE_CHARS} characters` };
      continue;
    }
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: 'not valid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'expected a JSON object' };
      continue;
    }
    yield jsonRow(line, value as Record<string, unknown>);
  }
}

function jsonRow(line: number, object: Record<string, unknown>): ParsedRow {
  const values: Partial<Record<Field, string | null>> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = Object.values(FIELDS).find((f) => f === key);
    if (!field) return { line, error: `unknown field "${excerpt(key, 50)}"` };
    if (value !== null && typeof value !== 'string') return { line, error: `${field} must be a string` };
    values[field] = value;
  }
  return toRow(line, values);
}

export function parseRows(input: AsyncIterable<Buffer | string>, format: ImportFormat): AsyncGenerator<ParsedRow> {
  return format === 'csv' ? parseCsv(input) : parseJsonLines(input);
}
