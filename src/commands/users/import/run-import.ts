import { excerpt } from '../../../domain/shared/text.ts';
import type { CommandContext } from '../../handle-command.ts';
import { importRow, type ImportDeps } from './import-row.ts';
import { ImportFileError, parseRows, type ImportFormat } from '../../../adapters/user-import/parse-rows.ts';
import type { ImportCounters, ImportRows, ImportSink, ImportSummary, RowError } from '../../../adapters/user-import/report.ts';

export interface ImportOptions {
  format: ImportFormat;
  context: CommandContext;
  sink: ImportSink;
  /** Rows in flight at once. Default 32: enough to keep the group-committing store busy. */
  concurrency?: number;
  progressIntervalMs?: number;
  /** The first this many errors are passed on (counters stay exact). Default 1000. */
  maxErrors?: number;
  signal?: AbortSignal;
  /**
   * An error that is not the row's fault (a database error, a bug) and stopped the import: the
   * report says only that it happened, on which line (its text may describe internals); this
   * gets the error itself, for the log or the operator's terminal.
   */
  onInternalError?: (line: number, error: Error) => void;
}

const INTERNAL = 'the server could not import it (an internal error, logged)';

const DEFAULT_IMPORT_CONCURRENCY = 32;
const MAX_REPORTED_ERRORS = 1000;
const MAX_ERROR_CHARS = 300;

/**
 * Streams rows through `importRow` with at most `concurrency` in flight: the parser is pulled only
 * when a slot is free, so memory holds a few dozen rows whatever the file size. A bad row counts
 * as failed with its line number and the rest go on; a header that cannot be read, an
 * infrastructure error or the signal stops the import (what was imported stays; a re-run skips it).
 */
export async function runImport(
  deps: ImportDeps,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const concurrency = options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY;
  const maxErrors = options.maxErrors ?? MAX_REPORTED_ERRORS;
  const counters: ImportCounters = { processed: 0, imported: 0, skipped: 0, failed: 0, nationalIdsIgnored: 0, setupTokens: 0 };
  const errors: RowError[] = [];
  let unsent = 0; // errors[] entries not yet passed to sink.progress
  let fatal: ImportSummary['fatal'];

  const fail = (line: number, message: string) => {
    counters.failed++;
    if (errors.length < maxErrors) {
      // The report is stored (jsonb) and shown: bounded, and free of what jsonb refuses, whatever
      // a message quotes from the file or a driver.
      errors.push({ line, message: excerpt(message, MAX_ERROR_CHARS) });
      unsent++;
    }
  };
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    const fresh = errors.slice(errors.length - unsent);
    unsent = 0;
    await options.sink.progress?.({ ...counters }, fresh);
  };
  const timer = setInterval(() => {
    flushing ??= flush().catch(() => {}).finally(() => (flushing = undefined)); // never two at once
  }, options.progressIntervalMs ?? 1000);

  const inFlight = new Set<Promise<void>>();
  const sameEmail = new Map<string, Promise<void>>(); // in-flight rows only, so it stays small
  try {
    for await (const parsed of parseRows(input, options.format)) {
      if (fatal || options.signal?.aborted) break;
      if ('error' in parsed) {
        counters.processed++;
        fail(parsed.line, parsed.error);
        continue;
      }
      const { row } = parsed;
      // The same email twice in one file: the later row waits for the earlier one, so it is
      // reliably "skipped" (exists) rather than racing it into an "in progress" failure.
      const email = row.email.trim().toLowerCase();
      const earlier = sameEmail.get(email);
      const task: Promise<void> = (earlier ?? Promise.resolve())
        .then(() => importRow(deps, row, options.context))
        .then(async (outcome) => {
          if (outcome.kind === 'imported') {
            counters.imported++;
            if (row.nationalId !== undefined) counters.nationalIdsIgnored++;
            if (outcome.setupToken) {
              await options.sink.setupToken(row.line, outcome.email, outcome.setupToken);
              counters.setupTokens++;
            }
          } else if (outcome.kind === 'skipped') counters.skipped++;
          else fail(row.line, outcome.message);
        })
        .catch((error: Error) => {
          options.onInternalError?.(row.line, error);
          fail(row.line, `not imported, and the import stopped here: ${INTERNAL}`);
          fatal ??= { line: row.line, message: INTERNAL };
        })
        .finally(() => {
          counters.processed++;
          inFlight.delete(task);
          if (sameEmail.get(email) === task) sameEmail.delete(email);
        });
      inFlight.add(task);
      sameEmail.set(email, task);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    fatal = { line: error.line, message: error.message };
    fail(error.line, error.message);
  } finally {
    await Promise.all(inFlight);
    clearInterval(timer);
    await flushing;
  }
  if (!fatal && options.signal?.aborted) fatal = { line: null, message: 'the import was stopped before the end of the file' };
  await flush();
  return { ...counters, errors, ...(fatal ? { fatal } : {}) };
}

/** runImport as the job runner calls it (src/adapters/user-import/import-jobs-runner.ts): the job's creator acts. */
export function importRowsWith(deps: ImportDeps): ImportRows {
  return (upload, { jobId, createdBy, format, sink, signal, onInternalError, concurrency }) =>
    runImport(deps, upload, {
      format,
      context: { actor: `user:${createdBy}`, correlationId: jobId },
      sink,
      signal,
      onInternalError,
      ...(concurrency ? { concurrency } : {}),
    });
}
