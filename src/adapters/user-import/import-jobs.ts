import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { NotFoundError } from '../../domain/shared/errors.ts';
import type { ImportFormat } from './parse-rows.ts';
import type { ImportCounters, ImportSink, RowError } from './report.ts';

/**
 * The `import_jobs` table (migrations/004): what GET /api/admin/jobs/{jobId} reports. The running
 * import writes its counters about once a second; that write is also its heartbeat.
 */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ImportJob extends ImportCounters {
  jobId: string;
  status: JobStatus;
  errors: RowError[];
  setupTokensServed: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A running job whose heartbeat stopped this long ago died with its process. */
const STALE_AFTER_SECONDS = 120;

export const jobNotFound = (jobId: string): NotFoundError => new NotFoundError('job.not-found', `no import job ${jobId}`);

export async function createJob(pool: DatabasePool, job: { jobId: string; createdBy: string; format: ImportFormat }): Promise<void> {
  await pool.query(sql.unsafe`
    INSERT INTO import_jobs (job_id, created_by, format, status) VALUES (${job.jobId}, ${job.createdBy}, ${job.format}, 'queued')`);
}

export async function markRunning(pool: DatabasePool, jobId: string): Promise<void> {
  await pool.query(sql.unsafe`
    UPDATE import_jobs SET status = 'running', started_at = now(), updated_at = now() WHERE job_id = ${jobId}`);
}

function counterAssignments(c: ImportCounters, newErrors: RowError[]) {
  return sql.fragment`
    processed = ${c.processed}, imported = ${c.imported}, skipped = ${c.skipped}, failed = ${c.failed},
    national_ids_ignored = ${c.nationalIdsIgnored}, setup_tokens = ${c.setupTokens},
    errors = errors || ${sql.jsonb(newErrors)}, updated_at = now()`;
}

export async function finishJob(
  pool: DatabasePool,
  jobId: string,
  status: 'done' | 'failed',
  counters: ImportCounters,
  newErrors: RowError[],
): Promise<void> {
  await pool.query(sql.unsafe`
    UPDATE import_jobs SET status = ${status}, finished_at = now(), ${counterAssignments(counters, newErrors)}
    WHERE job_id = ${jobId}`);
}

/** Marks a job failed without touching the counters its last progress write left. */
export async function failJob(pool: DatabasePool, jobId: string, message: string): Promise<void> {
  await pool.query(sql.unsafe`
    UPDATE import_jobs SET status = 'failed', finished_at = now(), updated_at = now(),
           errors = errors || ${sql.jsonb([{ line: 0, message }])}
    WHERE job_id = ${jobId}`);
}

/** The job's results go to the table: counters, the first errors, setup tokens kept for one download. */
export function jobSink(pool: DatabasePool, jobId: string): ImportSink {
  return {
    async setupToken(line, email, token) {
      await pool.query(sql.unsafe`
        INSERT INTO import_setup_tokens (job_id, line, email, setup_token) VALUES (${jobId}, ${line}, ${email}, ${token})`);
    },
    async progress(counters, newErrors) {
      await pool.query(sql.unsafe`UPDATE import_jobs SET ${counterAssignments(counters, newErrors)} WHERE job_id = ${jobId}`);
    },
  };
}

const JobRow = z.object({
  job_id: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  processed: z.number(),
  imported: z.number(),
  skipped: z.number(),
  failed: z.number(),
  national_ids_ignored: z.number(),
  setup_tokens: z.number(),
  setup_tokens_served: z.boolean(),
  errors: z.array(z.object({ line: z.number(), message: z.string() })),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const iso = (column: string) =>
  sql.fragment`to_char(${sql.identifier([column])} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function getJob(pool: DatabasePool, jobId: string): Promise<ImportJob> {
  // A job that stopped beating is reported (and recorded) as failed, not left "running" forever.
  await pool.query(sql.unsafe`
    UPDATE import_jobs
    SET status = 'failed', finished_at = now(),
        errors = errors || ${sql.jsonb([{ line: 0, message: 'the import was interrupted (its process stopped); import the file again: rows already imported are skipped' }])}
    WHERE job_id = ${jobId} AND status IN ('queued', 'running')
      AND updated_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})`);
  const row = await pool.maybeOne(sql.type(JobRow)`
    SELECT job_id::text AS job_id, status, processed, imported, skipped, failed, national_ids_ignored, setup_tokens,
           setup_tokens_served_at IS NOT NULL AS setup_tokens_served, errors,
           ${iso('created_at')} AS created_at, ${iso('started_at')} AS started_at, ${iso('finished_at')} AS finished_at
    FROM import_jobs WHERE job_id = ${jobId}`);
  if (!row) throw jobNotFound(jobId);
  return {
    jobId: row.job_id,
    status: row.status,
    processed: row.processed,
    imported: row.imported,
    skipped: row.skipped,
    failed: row.failed,
    nationalIdsIgnored: row.national_ids_ignored,
    setupTokens: row.setup_tokens,
    setupTokensServed: row.setup_tokens_served,
    errors: row.errors,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
