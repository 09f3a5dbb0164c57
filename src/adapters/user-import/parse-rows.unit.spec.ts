import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ImportFileError, MAX_LINE_CHARS, MAX_RECORD_BYTES, parseRows, readLines, type ImportFormat, type ParsedRow } from './parse-rows.ts';

async function parse(text: string | string[], format: ImportFormat): Promise<ParsedRow[]> {
  const chunks = (Array.isArray(text) ? text : [text]).map((t) => Buffer.from(t));
  const rows: ParsedRow[] = [];
  for await (const row of parseRows(Readable.from(chunks), format)) rows.push(row);
  return rows;
}

describe('CSV rows', () => {
  it('maps columns by header name in any order, numbering physical lines from the header', async () => {
    const rows = await parse('displayName,Email,password,national_id\r\nAda,ada@example.org,s3cret pass ,19850312005\n\nBob,bob@example.org,,\n', 'csv');
    expect(rows).toEqual([
      { line: 2, row: { line: 2, email: 'ada@example.org', displayName: 'Ada', password: 's3cret pass ', nationalId: '19850312005' } },
      { line: 4, row: { line: 4, email: 'bob@example.org', displayName: 'Bob' } },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, across chunk boundaries', async () => {
    const rows = await parse(['email,displayName\nada@example.org,"Lovelace, ""Ada""', '\nCountess"\nbob@e', 'xample.org,Bob'], 'csv');
    expect(rows).toEqual([
      { line: 2, row: { line: 2, email: 'ada@example.org', displayName: 'Lovelace, "Ada"\nCountess' } },
      { line: 4, row: { line: 4, email: 'bob@example.org', displayName: 'Bob' } },
    ]);
  });

  it('reports a bad row with its line number and goes on', async () => {
    const rows = await parse('email,displayName\na@example.org\nb@example.org,B"ob\n,NoEmail\nc@example.org,C\n', 'csv');
    expect(rows).toEqual([
      { line: 2, error: 'expected 2 fields, found 1' },
      { line: 3, error: expect.stringContaining('quote inside an unquoted field') },
      { line: 4, error: 'email is missing' },
      { line: 5, row: { line: 5, email: 'c@example.org', displayName: 'C' } },
    ]);
  });

  it('reports an unclosed quote at the line it opens: as RFC 4180 reads it, the rest of the file is inside it', async () => {
    const lines = ['email,displayName', 'a@example.org,"never closed', ...Array.from({ length: 30 }, (_, i) => `u${i}@example.org,U${i}`)];
    const rows = await parse(lines.join('\n'), 'csv');
    expect(rows).toEqual([{ line: 2, error: 'a quoted field is not closed' }]);
  });

  it('stops the file at a record over the size limit instead of buffering it', async () => {
    const text = `email,displayName\na@example.org,A\nb@example.org,"${'x\n'.repeat(MAX_RECORD_BYTES / 2)}`;
    const rows: ParsedRow[] = [];
    const reading = (async () => {
      for await (const row of parseRows(Readable.from([Buffer.from(text)]), 'csv')) rows.push(row);
    })();
    await expect(reading).rejects.toThrow(new ImportFileError(3, `a record longer than ${MAX_RECORD_BYTES} bytes (is a quoted field not closed?); the rest of the file was not read`));
    await expect(reading).rejects.toMatchObject({ line: 3 });
    expect(rows).toEqual([{ line: 2, row: { line: 2, email: 'a@example.org', displayName: 'A' } }]);
  });

  it('refuses a header without the required columns or with unknown ones', async () => {
    await expect(parse('email,name\n', 'csv')).rejects.toThrow(ImportFileError);
    await expect(parse('email\n', 'csv')).rejects.toThrow(/displayName column is missing/);
  });

  it('reads RFC 4180 fields: empty, quoted with commas, doubled quotes; refuses text after a closing quote', async () => {
    const rows = await parse('email,displayName,nationalId,password\na@example.org,"b,c",,"d""e"\nb@example.org,"B"x,,\n', 'csv');
    expect(rows).toEqual([
      { line: 2, row: { line: 2, email: 'a@example.org', displayName: 'b,c', password: 'd"e' } },
      { line: 3, error: expect.stringContaining('closing quote') },
    ]);
  });
});

describe('JSON lines rows', () => {
  it('reads one object per line and reports bad lines', async () => {
    const rows = await parse([
      '{"email":"ada@example.org","displayName":"Ada","password":null}\n',
      'not json\n\n[1]\n{"email":"b@example.org","displayName":"B","role":"admin"}\n',
      '{"email":"c@example.org","displayName":7}\n{"email":"d@example.org","displayName":"D","nationalId":"19850312005"}',
    ], 'jsonl');
    expect(rows).toEqual([
      { line: 1, row: { line: 1, email: 'ada@example.org', displayName: 'Ada' } },
      { line: 2, error: 'not valid JSON' },
      { line: 4, error: 'expected a JSON object' },
      { line: 5, error: 'unknown field "role"' },
      { line: 6, error: 'displayName must be a string' },
      { line: 7, row: { line: 7, email: 'd@example.org', displayName: 'D', nationalId: '19850312005' } },
    ]);
  });
});

describe('text PostgreSQL cannot hold', () => {
  it('makes the row bad, by field, in CSV and JSON lines alike', async () => {
    expect(await parse('email,displayName,password\na@example.org,A\u0000,\nb\u0000@example.org,B,\nc@example.org,C,pass\u0000word\n', 'csv')).toEqual([
      { line: 2, error: 'displayName contains a NUL character' },
      { line: 3, error: 'email contains a NUL character' },
      { line: 4, error: 'password contains a NUL character' },
    ]);
    expect(await parse('{"email":"a@example.org","displayName":"A\\u0000"}\n{"email":"b@example.org","displayName":"B\\udc00"}\n', 'jsonl')).toEqual([
      { line: 1, error: 'displayName contains a NUL character' },
      { line: 2, error: 'displayName contains an unpaired surrogate' },
    ]);
  });

  it('never quotes more than a bounded, clean excerpt of the file in a message', async () => {
    const key = `x\\u0000${'y'.repeat(1_000)}`;
    const [row] = await parse(`{"email":"a@example.org","${key}":"A"}\n`, 'jsonl');
    expect(row).toEqual({ line: 1, error: `unknown field "x\ufffd${'y'.repeat(48)}…"` });
    await expect(parse(`${'k'.repeat(1_000)}\n`, 'csv')).rejects.toThrow(/^header: unknown column "k{50}…"/);
  });
});

describe('line reading', () => {
  it('skips an over-long line without buffering it and keeps counting lines', async () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    const chunks = ['\uFEFFfirst\n', long.slice(0, 40_000), long.slice(40_000), '\nlast'];
    const lines = [];
    for await (const line of readLines(Readable.from(chunks.map((c) => Buffer.from(c))))) lines.push(line);
    expect(lines).toEqual([
      { line: 1, text: 'first', tooLong: false },
      { line: 2, text: '', tooLong: true },
      { line: 3, text: 'last', tooLong: false },
    ]);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('é\n');
    const lines = [];
    for await (const line of readLines(Readable.from([bytes.subarray(0, 1), bytes.subarray(1)]))) lines.push(line.text);
    expect(lines).toEqual(['é']);
  });
});
