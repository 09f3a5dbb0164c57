import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDeps } from '../../src/commands/users/account-deps.ts';
import { ImportJobs, UploadTooLargeError } from '../../src/adapters/user-import/import-jobs-runner.ts';
import { importRowsWith } from '../../src/commands/users/import/run-import.ts';
import { userStream } from '../../src/domain/shared/streams.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** importUsers, getJob and the setup token download, through the HTTP API. */
let t: TestApp;
let adminToken: string;
let voterToken: string;
const PASSWORD = 'correct horse battery staple';
const tag = randomUUID().slice(0, 8);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

beforeAll(async () => {
  t = await createTestApp();
  for (const name of ['admin', 'voter']) {
    const email = `${name}-${tag}@example.org`;
    const registered = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: PASSWORD, displayName: name } });
    expect(registered.statusCode).toBe(201);
    const token = (await login(email, PASSWORD)).json().accessToken;
    if (name === 'admin') adminToken = token;
    else voterToken = token;
  }
});
afterAll(async () => t?.close());

async function upload(body: string, contentType = 'text/csv', token = adminToken) {
  return t.app.inject({
    method: 'POST', url: '/api/admin/users/import', payload: body, headers: { ...bearer(token), 'content-type': contentType },
  });
}

async function finished(jobId: string) {
  for (let i = 0; i < 400; i++) {
    const job = (await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${jobId}`, headers: bearer(adminToken) })).json();
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${jobId} did not finish`);
}

async function importFile(body: string, contentType = 'text/csv') {
  const response = await upload(body, contentType);
  expect(response.statusCode, response.body).toBe(202);
  return finished(response.json().jobId);
}

const setupTokens = (jobId: string) =>
  t.app.inject({ method: 'GET', url: `/api/admin/jobs/${jobId}/setup-tokens`, headers: bearer(adminToken) });

const csv = [
  'email,displayName,nationalId,password',
  `ada-${tag}@example.org,Ada Lovelace,19850312005,`,
  `not-an-email,Bad Email,,`,
  `bob-${tag}@example.org,Bob,,${PASSWORD}`,
  `carl-${tag}@example.org,,,`,
  `dora-${tag}@example.org,"Dora ""the"" Explorer",,short`,
  `eve-${tag}@example.org,Eve`,
  `ADA-${tag}@example.org,Ada again,,`,
].join('\n');

describe('importUsers (CSV)', () => {
  let jobId: string;

  it('imports the good rows and reports each bad one with its line number', async () => {
    const response = await upload(csv);
    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe(`/api/admin/jobs/${response.json().jobId}`);
    jobId = response.json().jobId;
    const job = await finished(jobId);
    expect(job).toMatchObject({
      jobId, status: 'done', processed: 7, imported: 2, skipped: 1, failed: 4, nationalIdsIgnored: 1, setupTokens: 1,
      setupTokensServed: false, startedAt: expect.any(String), finishedAt: expect.any(String),
    });
    expect(job.errors).toEqual([
      { line: 3, message: 'email: not a valid email address' },
      { line: 5, message: 'displayName is missing' },
      { line: 6, message: expect.stringMatching(/^password: /) },
      { line: 7, message: 'expected 4 fields, found 2' },
    ]);
  });

  it('creates no duplicates when the same file is imported again', async () => {
    const again = await importFile(csv);
    expect(again).toMatchObject({ status: 'done', processed: 7, imported: 0, skipped: 3, failed: 4, setupTokens: 0 });
  });

  it('lets an account imported with a password log in at once; the password is in no event', async () => {
    const response = await login(`bob-${tag}@example.org`, PASSWORD);
    expect(response.statusCode).toBe(200);
    expect(response.json().mustChangePassword).toBe(false);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(response.json().accessToken) });
    const events = await t.services.store.readStream(userStream(me.json().userId));
    expect(events.map((e) => e.type)).toEqual(['UserImported']);
    expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(PASSWORD);
  });

  it('serves the setup tokens once; the owner logs in with one, sets a password, and cannot reuse it', async () => {
    const download = await setupTokens(jobId);
    expect(download.statusCode, download.body).toBe(200);
    expect(download.headers['content-type']).toContain('text/csv');
    const [header, ...rows] = download.body.trim().split('\n');
    expect(header).toBe('email,setupToken');
    expect(rows).toHaveLength(1);
    const [email, token] = rows[0]!.split(',') as [string, string];
    expect(email).toBe(`ada-${tag}@example.org`);
    expect((await setupTokens(jobId)).json()).toMatchObject({ status: 404, code: 'job.setup-tokens-served' });

    const first = await login(email, token);
    expect(first.statusCode).toBe(200);
    expect(first.json().mustChangePassword).toBe(true);
    const session = first.json().accessToken;
    // Without the token the first password cannot be set.
    const noToken = await t.app.inject({
      method: 'POST', url: '/api/auth/password', headers: bearer(session), payload: { currentPassword: token, newPassword: 'my own passphrase' },
    });
    expect(noToken.json()).toMatchObject({ status: 403, code: 'user.setup-token-required' });
    const set = await t.app.inject({
      method: 'POST', url: '/api/auth/password', headers: bearer(session), payload: { setupToken: token, newPassword: 'my own passphrase' },
    });
    expect(set.statusCode, set.body).toBe(204);
    const after = await login(email, 'my own passphrase');
    expect(after.json().mustChangePassword).toBe(false);
    expect((await login(email, token)).statusCode).toBe(401);
    // The password ended the session the setup token opened.
    const revoked = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(session) });
    expect(revoked.json()).toMatchObject({ status: 401, code: 'auth.token-revoked' });
    const fullSession = after.json().accessToken;
    const reuse = await t.app.inject({
      method: 'POST', url: '/api/auth/password', headers: bearer(fullSession), payload: { setupToken: token, newPassword: 'someone else’s passphrase' },
    });
    expect(reuse.json()).toMatchObject({ status: 403, code: 'auth.invalid-setup-token' });
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(fullSession) });
    const events = await t.services.store.readStream(userStream(me.json().userId));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['UserImported', expect.objectContaining({ mustChangePassword: true })],
      ['PasswordSet', expect.objectContaining({ viaSetupToken: true })],
    ]);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(token);
  });
});

describe('importUsers (JSON lines) and refusals', () => {
  it('imports JSON lines with line numbers for bad lines', async () => {
    const body = [
      JSON.stringify({ email: `jl1-${tag}@example.org`, displayName: 'One' }),
      '{broken',
      '',
      JSON.stringify({ email: `jl2-${tag}@example.org`, displayName: 'Two', password: PASSWORD, role: 'admin' }),
      JSON.stringify({ email: `jl3-${tag}@example.org`, displayName: 'Three', password: PASSWORD }),
    ].join('\n');
    const job = await importFile(body, 'application/x-ndjson');
    expect(job).toMatchObject({ status: 'done', processed: 4, imported: 2, failed: 2, setupTokens: 1 });
    expect(job.errors).toEqual([{ line: 2, message: 'not valid JSON' }, { line: 4, message: 'unknown field "role"' }]);
  });

  it('reports rows with text PostgreSQL cannot hold by line and field, and imports the rest', async () => {
    const csvJob = await importFile([
      'email,displayName',
      `nul1-${tag}@example.org,Fine`,
      `nul2-${tag}@example.org,Bad\u0000Name`,
      `nul3\u0000-${tag}@example.org,Bad Email`,
      `nul4-${tag}@example.org,Also fine`,
    ].join('\n'));
    expect(csvJob).toMatchObject({ status: 'done', processed: 4, imported: 2, failed: 2 });
    expect(csvJob.errors).toEqual([
      { line: 3, message: 'displayName contains a NUL character' },
      { line: 4, message: 'email contains a NUL character' },
    ]);
    const jsonJob = await importFile([
      `{"email":"nul5-${tag}@example.org","displayName":"Five\\u0000"}`,
      `{"email":"nul6-${tag}@example.org","displayName":"Six \\ud800"}`,
      `{"email":"nul7-${tag}@example.org","x${'\\u0000'.repeat(3)}${'y'.repeat(500)}":"Seven"}`,
      `{"email":"nul8-${tag}@example.org","displayName":"Eight"}`,
    ].join('\n'), 'application/x-ndjson');
    expect(jsonJob).toMatchObject({ status: 'done', processed: 4, imported: 1, failed: 3 });
    expect(jsonJob.errors.slice(0, 2)).toEqual([
      { line: 1, message: 'displayName contains a NUL character' },
      { line: 2, message: 'displayName contains an unpaired surrogate' },
    ]);
    // An unknown field is named, but never with a NUL and never at any length.
    expect(jsonJob.errors[2]).toMatchObject({ line: 3, message: expect.stringMatching(/^unknown field "x/) });
    expect(jsonJob.errors[2].message).not.toContain('\u0000');
    expect(jsonJob.errors[2].message.length).toBeLessThan(250);
  });

  it('fails a CSV job whose header cannot be read, at line 1', async () => {
    const job = await importFile('mail,name\na@example.org,A\n');
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ line: 1, message: expect.stringContaining('unknown column "mail"') });
  });

  it('answers 401 without a token, 403 for a non-admin, 415 for another content type', async () => {
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/admin/users/import', payload: 'x', headers: { 'content-type': 'text/csv' } });
    expect(anonymous.statusCode).toBe(401);
    expect((await upload(csv, 'text/csv', voterToken)).statusCode).toBe(403);
    expect((await upload(csv, 'application/xml')).statusCode).toBe(415);
  });

  it('answers 404 for an unknown job, 400 for a malformed job id, 409 for the tokens of a running job', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${randomUUID()}`, headers: bearer(adminToken) });
    expect(unknown.json()).toMatchObject({ status: 404, code: 'job.not-found' });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/jobs/42', headers: bearer(adminToken) })).statusCode).toBe(400);
    const running = randomUUID();
    await t.services.sql.query(sql.unsafe`
      INSERT INTO import_jobs (job_id, created_by, format, status) VALUES (${running}, ${randomUUID()}, 'csv', 'running')`);
    expect((await setupTokens(running)).json()).toMatchObject({ status: 409, code: 'job.not-finished' });
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${running}`, headers: bearer(voterToken) })).statusCode).toBe(403);
  });

  it('reports a job whose process died as failed', async () => {
    const stale = randomUUID();
    await t.services.sql.query(sql.unsafe`
      INSERT INTO import_jobs (job_id, created_by, format, status, updated_at)
      VALUES (${stale}, ${randomUUID()}, 'csv', 'running', now() - interval '1 hour')`);
    const job = (await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${stale}`, headers: bearer(adminToken) })).json();
    expect(job).toMatchObject({ status: 'failed', errors: [{ line: 0, message: expect.stringContaining('interrupted') }] });
  });

  it('refuses an upload above the size limit (413) without creating a job', async () => {
    const jobs = new ImportJobs(t.services.sql, importRowsWith(accountDeps(t.services)), { maxBytes: 64 });
    const big = Readable.from([Buffer.from('email,displayName\n'), Buffer.from('x'.repeat(100))]);
    await expect(jobs.start(big, 'csv', randomUUID())).rejects.toMatchObject({ statusCode: 413 });
    await expect(jobs.start(Readable.from([Buffer.alloc(65)]), 'csv', randomUUID())).rejects.toBeInstanceOf(UploadTooLargeError);
    await jobs.close();
  });

  it('serves setup tokens a spreadsheet cannot run: formula-like emails are neutralised (CSV injection)', async () => {
    const hostile = [`=cmd|'/ccalc'!a0-${tag}@x.test`, `+sum-${tag}@x.test`, `-neg-${tag}@x.test`, `@at-${tag}@x.test`];
    const job = await importFile(['email,displayName', ...hostile.map((e, i) => `"${e}",@SUM(${i}+1)`)].join('\n'));
    const imported = (job as { imported: number }).imported;
    const download = await setupTokens((job as { jobId: string }).jobId);
    const rows = download.body.trim().split('\n').slice(1);
    expect(imported, JSON.stringify(job)).toBeGreaterThanOrEqual(3); // such addresses are valid: the file, not the validator, is the attack
    expect(rows).toHaveLength(imported);
    for (const row of rows) expect(row).toMatch(/^"?'[=+\-@]/); // every such cell starts with ' (shown as text)
  });

  it('reports an internal failure without its internal text (a locked events table here)', async () => {
    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const job = (await importFile(`email,displayName\nlocked-${tag}@example.org,Locked\n`)) as { status: string; errors: Array<{ message: string }> };
      expect(job.status).toBe('failed'); // an unavailable store stops the import; a re-run goes on
      expect(JSON.stringify(job)).not.toMatch(/lock|timeout|statement|append failed/i);
      expect(job.errors[0]!.message).toBe('not imported, and the import stopped here: the server could not import it (an internal error, logged)');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });
});
