import { randomUUID } from 'node:crypto';
import { csvCell } from '../../adapters/csv-cell.ts';
import { once } from 'node:events';
import { createReadStream, type WriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import pino from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore } from '../../event-store/port.ts';
import type { ImportFormat } from '../../adapters/user-import/parse-rows.ts';
import type { ImportSink } from '../../adapters/user-import/report.ts';
import { runImport } from '../../commands/users/import/run-import.ts';
import { loadConfig } from '../../config.ts';
import { createSqlPool } from '../../db/slonik.ts';
import { openDatabase } from '../../runtime/database.ts';
import { openEventStore } from '../../runtime/event-store.ts';
import { IMPORT_EXIT } from '../users-import.ts';
import { importProgressBar } from './import-progress.ts';
import { createTokensFile, TokensFileExists } from './setup-tokens-file.ts';

/** An operator mistake: one line and exit code 1, not a stack trace. */
export class UsageError extends Error {}

export interface ImportFileOptions {
  file: string;
  format: ImportFormat;
  concurrency: number;
  setupTokens: string | undefined;
}

export async function importFile({ file, format, concurrency, setupTokens }: ImportFileOptions): Promise<number> {
  const size = await stat(file).then((s) => s.size, () => {
    throw new UsageError(`cannot read ${file}`);
  });
  const { path: tokensPath, stream: tokens } = await createTokensFile(file, setupTokens).catch((error: Error) => {
    throw new UsageError(error instanceof TokensFileExists ? error.message : `cannot create the setup tokens file: ${error.message}`);
  });
  const opened: Array<() => Promise<unknown>> = [];
  try {
    const config = loadConfig();
    const logger = pino({ level: 'warn' }, pino.destination(2)); // stdout is for the summary
    const database = await openDatabase(config, logger);
    opened.unshift(() => database.close());
    const store = await openEventStore(config, database.url);
    opened.unshift(() => store.close());
    // No more than a serving process's pool (the API's import runs on that one): rows past it
    // queue here instead of taking connection slots from the processes sharing the server.
    const sql = await createSqlPool(database.url, { maximumPoolSize: Math.min(concurrency + 2, config.DATABASE_POOL_SIZE) });
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
    const line = `${header}${csvCell(email)},${csvCell(token)}\n`;
    header = '';
    await writeLine(tokens, line);
  };
  const bar = importProgressBar(size, () => bytes);
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
        // The operator runs the database: the real cause belongs on their terminal.
        onInternalError: (line, error) => console.error(`line ${line}: ${error.message}`),
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
    if (summary.fatal) {
      console.error(`pollster: the import stopped: ${summary.fatal.message}`);
      return IMPORT_EXIT.stopped;
    }
    if (summary.failed > 0) {
      console.error(`pollster: ${summary.failed} rows not imported; fix them and run the file again (imported rows are skipped)`);
      return IMPORT_EXIT.rowsFailed;
    }
    return IMPORT_EXIT.ok;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await once(out, 'drain');
}

