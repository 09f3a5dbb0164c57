import { StringDecoder } from 'node:string_decoder';

/** Longest line kept; longer ones are reported and skipped without being buffered. */
export const MAX_LINE_CHARS = 64 * 1024;
export type Line = { line: number; text: string; tooLong: boolean };

export async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let tooLong = false;
  let line = 0;
  const emit = (text: string): Line => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { line, text: tooLong ? '' : text.endsWith('\r') ? text.slice(0, -1) : text, tooLong };
  };
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      yield emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      tooLong = false;
    }
    if (pending.length > MAX_LINE_CHARS) {
      tooLong = true;
      pending = ''; // keep discarding until the next newline
    }
  }
  pending += decoder.end();
  if (pending.length > 0 || tooLong) yield emit(pending);
}

