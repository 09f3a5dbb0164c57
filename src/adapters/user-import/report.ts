import type { Readable } from 'node:stream';
import type { ImportFormat } from './parse-rows.ts';

/** What an import reports, to the job table (API) or a file and a progress bar (CLI). */
export interface ImportCounters {
  processed: number;
  imported: number;
  skipped: number;
  failed: number;
  nationalIdsIgnored: number;
  setupTokens: number;
}

export interface RowError {
  line: number;
  message: string;
}

/** Where an import's results go: the job table (API) or a file and a progress bar (CLI). */
export interface ImportSink {
  /** A setup token for an account imported without a password; it must reach the admin once. */
  setupToken(line: number, email: string, token: string): Promise<void>;
  /** Called every `progressIntervalMs` (a heartbeat, too) with the errors reported since the last call. */
  progress?(counters: ImportCounters, newErrors: RowError[]): Promise<void> | void;
}

export interface ImportSummary extends ImportCounters {
  errors: RowError[];
  /** Set when the import stopped early (bad header, lost database, aborted). */
  fatal?: { line: number | null; message: string };
}

/**
 * Imports the rows of an upload into accounts (the command side's runImport, which the app passes
 * to the job runner): `jobId` and `createdBy` make the command context, `sink` takes the results.
 */
export type ImportRows = (
  upload: Readable,
  job: {
    jobId: string;
    createdBy: string;
    format: ImportFormat;
    sink: ImportSink;
    signal: AbortSignal;
    onInternalError: (line: number, error: Error) => void;
    concurrency?: number;
  },
) => Promise<ImportSummary>;
