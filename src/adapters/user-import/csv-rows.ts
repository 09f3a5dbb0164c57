import { excerpt } from '../../domain/shared/text.ts';
import { MAX_LINE_CHARS, readLines } from './read-lines.ts';
import { fieldOf, ImportFileError, toRow, type Field, type ParsedRow } from './rows.ts';

/** A quoted CSV field may span lines, but not without end (a stray quote would eat the file). */
const MAX_RECORD_LINES = 20;

/** RFC 4180 fields of one record (which may contain newlines inside quotes). */
export function parseCsvRecord(text: string): string[] | { error: string } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return { error: 'a quoted field is not closed' };
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i < text.length && text[i] !== ',') return { error: `unexpected ${JSON.stringify(text[i])} after a closing quote` };
    } else {
      const comma = text.indexOf(',', i);
      const value = text.slice(i, comma === -1 ? text.length : comma);
      if (value.includes('"')) return { error: 'a quote inside an unquoted field (quote the whole field and double the quote)' };
      fields.push(value);
      i = comma === -1 ? text.length : comma;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** True when the text ends inside a quoted field (only a quote that starts a field opens one). */
export function endsInsideQuotes(text: string): boolean {
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (c === '"' && fieldStart) {
      quoted = true;
    }
    fieldStart = !quoted && c === ',';
  }
  return quoted;
}

export async function* parseCsv(input: AsyncIterable<Buffer | string>): AsyncGenerator<ParsedRow> {
  let columns: Field[] | undefined;
  let record: { line: number; text: string; lines: number } | undefined;
  for await (const { line, text, tooLong } of readLines(input)) {
    if (tooLong) {
      if (record) yield { line: record.line, error: 'a quoted field is not closed' };
      record = undefined;
      yield { line, error: `line longer than ${MAX_LINE_CHARS} characters` };
      continue;
    }
    record = record ? { ...record, text: `${record.text}\n${text}`, lines: record.lines + 1 } : { line, text, lines: 1 };
    if (endsInsideQuotes(record.text)) {
      // Inside a quoted field: the record goes on at the next line, within reason.
      if (record.lines < MAX_RECORD_LINES) continue;
      yield { line: record.line, error: 'a quoted field is not closed' };
      record = undefined;
      continue;
    }
    const current = record;
    record = undefined;
    if (current.text.trim() === '') continue;
    const fields = parseCsvRecord(current.text);
    if (!Array.isArray(fields)) {
      if (!columns) throw new ImportFileError(current.line, `header: ${fields.error}`);
      yield { line: current.line, error: fields.error };
      continue;
    }
    if (!columns) {
      columns = header(current.line, fields);
      continue;
    }
    if (fields.length !== columns.length) {
      yield { line: current.line, error: `expected ${columns.length} fields, found ${fields.length}` };
      continue;
    }
    const values: Partial<Record<Field, string>> = {};
    // Passwords are taken as written; spaces around the other values are layout, not data.
    columns.forEach((field, index) => (values[field] = field === 'password' ? fields[index]! : fields[index]!.trim()));
    yield toRow(current.line, values);
  }
  if (record) yield { line: record.line, error: 'a quoted field is not closed' };
}

function header(line: number, names: string[]): Field[] {
  const columns = names.map((name) => {
    const field = fieldOf(name);
    // An unknown column is most likely a misspelt known one: refusing beats importing without it.
    if (!field) throw new ImportFileError(line, `header: unknown column "${excerpt(name.trim(), 50)}" (known: email, displayName, nationalId, password)`);
    return field;
  });
  if (new Set(columns).size !== columns.length) throw new ImportFileError(line, 'header: a column appears twice');
  for (const required of ['email', 'displayName'] as const) {
    if (!columns.includes(required)) throw new ImportFileError(line, `header: the ${required} column is missing`);
  }
  return columns;
}

