/**
 * One cell of a CSV Pollster writes. Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`,
 * a tab or a carriage return as a formula (`=cmd|'/c calc'!A0`), and imported emails and names
 * are chosen by whoever wrote the import file: such cells get a leading `'` (OWASP's rule for
 * CSV injection), which a spreadsheet shows as text. Then RFC 4180 quoting where needed.
 */
export function csvCell(value: string): string {
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}
