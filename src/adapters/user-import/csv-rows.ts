import { parse, type Options } from 'csv-parse';
import { excerpt } from '../../domain/shared/text.ts';
import { fieldOf, ImportFileError, toRow, type Field, type ParsedRow } from './rows.ts';

/**
 * Largest record (bytes) the parser holds. An unclosed quote makes the rest of the file one field
 * (RFC 4180 reads it so); this bound stops it from filling memory, and stops the import.
 */
export const MAX_RECORD_BYTES = 64 * 1024;

type Parsed = { line: number; fields: string[] } | { line: number; error: string };

const MESSAGES: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote followed by something other than a comma or the end of the line',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
};

/** Line breaks inside a record: csv-parse counts the record's last line, the report wants its first. */
const breaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * RFC 4180 records with the physical line each starts on; a bad record is reported and skipped.
 * The parser is fed one input chunk at a time and its records and errors are collected by its
 * callbacks, in file order; the next chunk is read only when the importer has taken these rows.
 */
async function* records(input: AsyncIterable<Buffer | string>): AsyncGenerator<Parsed> {
  const parsed: Parsed[] = [];
  let fatal: ImportFileError | undefined;
  let reported: number | undefined;
  const options: Options = {
    bom: true,
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true, // checked against the header below, with our message
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    raw: true,
    skip_records_with_error: true,
    on_record: (record, info) => {
      const { record: fields } = record as unknown as { record: string[] }; // with `raw`, records come wrapped
      parsed.push({ line: info.lines - breaks(fields.join('')), fields });
      return null;
    },
    on_skip: (error, raw) => {
      // The parser's line count has not passed a line break that nothing follows yet.
      const line = Number(error?.lines ?? 0) - breaks((raw ?? '').replace(/^[\r\n]+|(\r\n|\r|\n)$/g, ''));
      if (error?.code === 'CSV_MAX_RECORD_SIZE') {
        // Past the bound the parser would go on buffering the field: the file stops here.
        fatal ??= new ImportFileError(line, `a record longer than ${MAX_RECORD_BYTES} bytes (is a quoted field not closed?); the rest of the file was not read`);
        throw fatal;
      }
      if (line === reported) return; // a record's later errors follow from its first
      reported = line;
      parsed.push({ line, error: (error && MESSAGES[error.code]) ?? excerpt(error?.message ?? 'unreadable record', 200) });
    },
  };
  const parser = parse(options);
  parser.on('error', () => {}); // a fatal error is thrown below, after the rows before it
  for await (const chunk of input) {
    parser.write(chunk);
    yield* parsed.splice(0);
    if (fatal) throw fatal;
  }
  await new Promise((resolve) => parser.end(resolve));
  yield* parsed.splice(0);
  if (fatal) throw fatal;
}

export async function* parseCsv(input: AsyncIterable<Buffer | string>): AsyncGenerator<ParsedRow> {
  let columns: Field[] | undefined;
  for await (const record of records(input)) {
    if ('error' in record) {
      if (!columns) throw new ImportFileError(record.line, `header: ${record.error}`);
      yield record;
      continue;
    }
    const { line, fields } = record;
    if (fields.length === 1 && fields[0]!.trim() === '') continue; // a line of spaces
    if (!columns) {
      columns = header(line, fields);
      continue;
    }
    if (fields.length !== columns.length) {
      yield { line, error: `expected ${columns.length} fields, found ${fields.length}` };
      continue;
    }
    const values: Partial<Record<Field, string>> = {};
    // Passwords are taken as written; spaces around the other values are layout, not data.
    columns.forEach((field, index) => (values[field] = field === 'password' ? fields[index]! : fields[index]!.trim()));
    yield toRow(line, values);
  }
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
