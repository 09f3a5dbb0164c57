import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { csvCell } from '../../../adapters/csv-cell.ts';
import { ConflictError, NotFoundError } from '../../../domain/shared/errors.ts';
import { jobNotFound } from '../../../adapters/user-import/import-jobs.ts';

const BATCH = 1000;
const Job = z.object({ status: z.string(), served: z.boolean() });
const Token = z.object({ line: z.number(), email: z.string(), setup_token: z.string() });


/**
 * The setup tokens of a finished import as CSV (`email,setupToken`), served once: the job row is
 * locked, the tokens are streamed in pages, then deleted and the job marked served, all in one
 * transaction. The returned stream ends only after that commit; if the client goes away first the
 * transaction rolls back and the tokens can be downloaded again. A second (or concurrent) request
 * waits for the lock and then finds them served. Resolves once the checks pass (404 unknown job,
 * 409 not finished, 404 `job.setup-tokens-served`), so the caller can still answer with a problem.
 */
export function takeSetupTokens(pool: DatabasePool, jobId: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const out = new PassThrough();
    let streaming = false;
    const write = async (chunk: string) => {
      if (out.write(chunk)) return;
      const [event] = await Promise.race([once(out, 'drain').then(() => ['drain']), once(out, 'close').then(() => ['close'])]);
      if (event === 'close') throw new Error('the client went away before all setup tokens were sent');
    };
    pool
      .transaction(async (tx) => {
        const job = await tx.maybeOne(sql.type(Job)`
          SELECT status, setup_tokens_served_at IS NOT NULL AS served FROM import_jobs WHERE job_id = ${jobId} FOR UPDATE`);
        if (!job) throw jobNotFound(jobId);
        if (job.status === 'queued' || job.status === 'running') {
          throw new ConflictError('job.not-finished', 'the import is still running; its setup tokens are served when it has finished');
        }
        if (job.served) {
          throw new NotFoundError('job.setup-tokens-served', 'the setup tokens of this import were downloaded already; they are served only once');
        }
        streaming = true;
        resolve(out);
        await write('email,setupToken\n');
        for (let after = -1; ; ) {
          const rows = await tx.any(sql.type(Token)`
            SELECT line, email, setup_token FROM import_setup_tokens
            WHERE job_id = ${jobId} AND line > ${after} ORDER BY line LIMIT ${BATCH}`);
          if (rows.length === 0) break;
          await write(rows.map((r) => `${csvCell(r.email)},${csvCell(r.setup_token)}\n`).join(''));
          after = rows.at(-1)!.line;
        }
        await tx.query(sql.unsafe`DELETE FROM import_setup_tokens WHERE job_id = ${jobId}`);
        await tx.query(sql.unsafe`UPDATE import_jobs SET setup_tokens_served_at = now() WHERE job_id = ${jobId}`);
      })
      .then(
        () => out.end(),
        (error: Error) => (streaming ? out.destroy(error) : reject(error)),
      );
  });
}
