import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** `pollster credential request|cast` as a voter runs it, against a server listening on a port. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

function pollster(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let t: TestApp;
let url: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'pollster-credential-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pollster credential', () => {
  it('requests a credential logged in, casts with it anonymously, and refuses a second of either', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind' });
    const voter = await callerWith(t);
    const env = { POLLSTER_ACCESS_TOKEN: voter.headers.authorization!.slice(7) };
    const out = join(dir, 'credential.json');

    const wrongKey = await pollster(['credential', 'request', poll.pollId, '--url', url, '--out', join(dir, 'x.json'), '--fingerprint', 'a'.repeat(64)], env);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('is not the expected');

    const requested = await pollster(['credential', 'request', poll.pollId, '--url', url, '--out', out, '--fingerprint', poll.credentialKey.fingerprint], env);
    expect(requested.code, requested.stderr).toBe(0);
    expect(requested.stdout).toContain('wait before casting');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(out, 'utf8')).credential.fingerprint).toBe(poll.credentialKey.fingerprint);

    const again = await pollster(['credential', 'request', poll.pollId, '--url', url, '--out', out], env);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('already holds a credential') });
    const another = await pollster(['credential', 'request', poll.pollId, '--url', url, '--out', join(dir, 'second.json')], env);
    expect(another).toMatchObject({ code: 1, stderr: expect.stringContaining('409 credential.already-issued') });

    const answers = JSON.stringify(answersFor(poll));
    const cast = await pollster(['credential', 'cast', poll.pollId, '--url', url, '--credential', out, '--answers', answers]);
    expect(cast.code, cast.stderr).toBe(0);
    expect(JSON.parse(cast.stdout)).toMatchObject({ ballotId: expect.any(String), receipt: expect.any(String) });
    const twice = await pollster(['credential', 'cast', poll.pollId, '--url', url, '--credential', out, '--answers', answers]);
    expect(twice).toMatchObject({ code: 1, stderr: expect.stringContaining('409 already-voted') });
  });
});
