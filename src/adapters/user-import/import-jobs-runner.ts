import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { excerpt } from '../../domain/shared/text.ts';
import { createJob, failJob, finishJob, jobSink, markRunning } from './import-jobs.ts';
import type { ImportFormat } from './parse-rows.ts';
import type { ImportRows } from './report.ts';

export interface ImportJobsOptions {
  /** Largest upload accepted, in bytes. Default 256 MiB (about 3 million rows). */
  maxBytes?: number;
  /** Where uploads are spooled while their job runs. Default the OS temp folder. */
  spoolDir?: string;
  concurrency?: number;
  logger?: Pick<Logger, 'error'>;
}

const DEFAULT_IMPORT_MAX_BYTES = 256 * 1024 * 1024;

/** The upload was larger than allowed: a 413 (Fastify's own code for it, so clients see one form). */
export class UploadTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
}

/**
 * Import jobs running in this process. The upload is streamed to a spool file (never held in
 * memory, and the request does not have to stay open while thousands of rows import), then the
 * job runs in the background from that file and reports through `import_jobs`. `close` stops the
 * running jobs (they end as failed; a re-run skips what they imported) and waits for them.
 */
export class ImportJobs {
  readonly #pool: DatabasePool;
  readonly #importRows: ImportRows;
  readonly #options: ImportJobsOptions;
  readonly #running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(pool: DatabasePool, importRows: ImportRows, options: ImportJobsOptions = {}) {
    this.#pool = pool;
    this.#importRows = importRows;
    this.#options = options;
  }

  async start(upload: Readable, format: ImportFormat, createdBy: string): Promise<string> {
    const jobId = randomUUID();
    const dir = await mkdtemp(join(this.#options.spoolDir ?? tmpdir(), 'pollster-import-'));
    const file = join(dir, `${jobId}.${format}`);
    try {
      await pipeline(upload, byteLimit(this.#options.maxBytes ?? DEFAULT_IMPORT_MAX_BYTES), createWriteStream(file, { mode: 0o600 }));
      await createJob(this.#pool, { jobId, createdBy, format });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const abort = new AbortController();
    const done = this.#run(jobId, file, format, createdBy, abort.signal)
      .catch((error: Error) => this.#options.logger?.error({ err: error, jobId }, 'import job failed'))
      .finally(() => rm(dir, { recursive: true, force: true }).then(() => this.#running.delete(jobId)));
    this.#running.set(jobId, { abort, done });
    return jobId;
  }

  async #run(jobId: string, file: string, format: ImportFormat, createdBy: string, signal: AbortSignal): Promise<void> {
    const pool = this.#pool;
    await markRunning(pool, jobId);
    try {
      const summary = await this.#importRows(createReadStream(file), {
        jobId,
        createdBy,
        format,
        // Progress is written with the errors; setup tokens go to the table for one download.
        sink: jobSink(pool, jobId),
        signal,
        onInternalError: (line, error) => this.#options.logger?.error({ err: error, jobId, line }, 'import row failed'),
        ...(this.#options.concurrency ? { concurrency: this.#options.concurrency } : {}),
      });
      const fatal = summary.fatal && summary.fatal.line === null ? [{ line: 0, message: summary.fatal.message }] : [];
      await finishJob(pool, jobId, summary.fatal ? 'failed' : 'done', summary, fatal);
    } catch (error) {
      await failJob(pool, jobId, 'the import stopped: an internal error (logged)').catch(() => {});
      throw error;
    }
  }

  /** Resolves when the job is no longer running in this process (tests, shutdown). */
  async settled(jobId: string): Promise<void> {
    await this.#running.get(jobId)?.done;
  }

  async close(): Promise<void> {
    for (const job of this.#running.values()) job.abort.abort();
    await Promise.all([...this.#running.values()].map((job) => job.done));
  }
}

function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new UploadTooLargeError(`the upload is larger than ${max} bytes`));
      else callback(null, chunk);
    },
  });
}
