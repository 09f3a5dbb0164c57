import { describe, expect, it } from 'vitest';
import { csvCell } from './csv-cell.ts';

describe('csvCell', () => {
  it('prefixes cells a spreadsheet would run as a formula with a quote', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", `"'\rx"`]);
  });
  it('quotes by RFC 4180 after neutralising', () => {
    expect(csvCell("=cmd|'/c calc'!A0,x")).toBe(`"'=cmd|'/c calc'!A0,x"`);
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });
  it('leaves ordinary cells as they are', () => {
    expect(['ada@example.org', 'a-b@x.test', 'q9Xr2c1kJ0m4bV7tY8wZ3A'].map(csvCell)).toEqual(['ada@example.org', 'a-b@x.test', 'q9Xr2c1kJ0m4bV7tY8wZ3A']);
  });
});
