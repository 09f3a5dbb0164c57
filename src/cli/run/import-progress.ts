import type { ImportCounters } from '../../adapters/user-import/report.ts';

/**
 * A one-line bar on stderr, redrawn at most 10 times a second (the runner calls `update` every
 * 100 ms): share of the file read, rows, rows/s and errors. Without a terminal it prints a plain
 * line every 5 s instead, so logs of a scripted run stay readable.
 */
export function importProgressBar(totalBytes: number, readBytes: () => number) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastPlain = started; // the first plain line after 5 s; short runs show only the final one
  const render = (c: ImportCounters): string => {
    const share = totalBytes > 0 ? Math.min(1, readBytes() / totalBytes) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const rate = Math.round(c.processed / Math.max((Date.now() - started) / 1000, 0.001));
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ` +
      `${c.processed} rows  ${rate} rows/s  imported ${c.imported}  skipped ${c.skipped}  errors ${c.failed}`;
  };
  return {
    update: (c: ImportCounters) => {
      if (tty) process.stderr.write(`\r${render(c)}\u001b[K`);
      else if (Date.now() - lastPlain >= 5000) {
        lastPlain = Date.now();
        process.stderr.write(`${render(c)}\n`);
      }
    },
    done: (c: ImportCounters) => process.stderr.write(tty ? `\r${render(c)}\u001b[K\n` : `${render(c)}\n`),
  };
}
