import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import pino from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore } from '../commands/event-store/port.ts';
import { runImport, type ImportCounters, type ImportSink } from '../commands/users/import/run-import.ts';
import type { ImportFormat } from '../commands/users/import/parse-rows.ts';
import { loadConfig } from '../config.ts';
import { createSqlPool } from '../db/slonik.ts';
import { openDatabase } from '../runtime/database.ts';
import { openEventStore } from '../runtime/event-store.ts';

/**
 * `pollster users import FILE [--format csv|jsonl]`: the API's import code run directly against
 * the database (DATABASE_URL, or the embedded one: stop the server first, it holds the data
 * folder). Setup tokens of accounts without a password go to a new file readable only by the
 * operator. Progress on stderr, the summary on stdout; Ctrl-C stops after the rows in flight.
 */
export function registerUsersImportCommand(program: Command): void {
  const users = program.commands.find((c) => c.name() === 'users') ?? program.command('users').description('account tools');
  users
    .command('import')
    .description('import accounts from a CSV file (with a header: email,displayName[,nationalId][,password]) or JSON lines')
    .argument('<file>', 'the file to import')
    .option('--format <format>', 'csv or jsonl (default: from the file extension)')
    .option('--setup-tokens <file>', 'where setup tokens go (default: <file>.setup-tokens.csv; never overwritten)')
    .option('--concurrency <rows>', 'rows in flight', '32')
    .action(async (file: string, options: { format?: string; setupTokens?: string; concurrency: string }, command: Command) => {
      try {
        process.exitCode = await importFile(file, options);
      } catch (error) {
        // An operator mistake gets one line and exit code 1, not a stack trace.
        if (error instanceof UsageError) command.error(`pollster: ${error.message}`);
        throw error;
      }
    });
}

class UsageError extends Error {}

function formatOf(file: string, given: string | undefined): ImportFormat {
  const format = given ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : undefined);
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError('say --format csv or --format jsonl (the extension does not tell)');
  return format;
}

async function importFile(file: string, options: { format?: string; setupTokens?: string; concurrency: string }): Promise<number> {
  const format = formatOf(file, options.format);
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency must be 1..256');
  const size = await stat(file).then((s) => s.size, () => {
    throw new UsageError(`cannot read ${file}`);
  });
  const tokensPath = options.setupTokens ?? `${file}.setup-tokens.csv`;
  // 'wx': never overwrite the tokens of an earlier run (they are shown nowhere else).
  const tokens = createWriteStream(tokensPath, { flags: 'wx', mode: 0o600 });
  await once(tokens, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(error.code === 'EEXIST' ? `${tokensPath} exists; move it away or pass --setup-tokens` : error.message);
  });
  const opened: Array<() => Promise<unknown>> = [];
  try {
    const config = loadConfig();
    const logger = pino({ level: 'warn' }, pino.destination(2)); // stdout is for the summary
    const database = await openDatabase(config, logger);
    opened.unshift(() => database.close());
    const store = await openEventStore(config, database.url);
    opened.unshift(() => store.close());
    const sql = await createSqlPool(database.url, { maximumPoolSize: concurrency + 2 });
    opened.unshift(() => sql.end());
    return await run({ file, format, concurrency, size, store, sql, tokens, tokensPath });
  } finally {
    tokens.end();
    await once(tokens, 'close');
    if (tokens.bytesWritten === 0) await unlink(tokensPath).catch(() => {});
    for (const close of opened) await close();
  }
}

interface Run {
  file: string;
  format: ImportFormat;
  concurrency: number;
  size: number;
  store: EventStore;
  sql: DatabasePool;
  tokens: WriteStream;
  tokensPath: string;
}

async function run({ file, format, concurrency, size, store, sql, tokens, tokensPath }: Run): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  let bytes = 0;
  async function* counted(input: AsyncIterable<Buffer>) {
    for await (const chunk of input) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  let header = 'email,setupToken\n'; // written with the first token: no tokens, no file
  const setupToken: ImportSink['setupToken'] = async (_line, email, token) => {
    const line = `${header}${csvField(email)},${token}\n`;
    header = '';
    await writeLine(tokens, line);
  };
  const bar = progressBar(size, () => bytes);
  const started = Date.now();
  try {
    const summary = await runImport(
      { store, sql, now: () => new Date(), newId: randomUUID },
      counted(createReadStream(file)),
      {
        format,
        concurrency,
        signal: abort.signal,
        progressIntervalMs: 100,
        context: { actor: 'system', correlationId: randomUUID(), extra: { tool: 'pollster users import', osUser: userInfo().username } },
        sink: { setupToken, progress: bar.update },
      },
    );
    bar.done(summary);
    const seconds = (Date.now() - started) / 1000;
    console.log(`imported ${summary.imported}, skipped ${summary.skipped} (email exists), failed ${summary.failed} of ${summary.processed} rows ` +
      `in ${seconds.toFixed(1)} s (${Math.round(summary.processed / Math.max(seconds, 0.001))} rows/s)`);
    if (summary.nationalIdsIgnored > 0) console.log(`${summary.nationalIdsIgnored} national ids ignored: owners verify them with verifyNationalId`);
    if (summary.setupTokens > 0) console.log(`${summary.setupTokens} setup tokens written to ${tokensPath} (hand each to its owner, then delete the file)`);
    for (const error of summary.errors) console.error(`line ${error.line}: ${error.message}`);
    if (summary.failed > summary.errors.length) console.error(`... and ${summary.failed - summary.errors.length} more errors`);
    if (summary.fatal) console.error(`pollster: the import stopped: ${summary.fatal.message}`);
    return summary.fatal ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await once(out, 'drain');
}

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * A one-line bar on stderr, redrawn at most 10 times a second (the runner calls `update` every
 * 100 ms): share of the file read, rows, rows/s and errors. Without a terminal it prints a plain
 * line every 5 s instead, so logs of a scripted run stay readable.
 */
function progressBar(totalBytes: number, readBytes: () => number) {
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
