import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** `pollster analytics export` as an analyst runs it, against a server listening on a port. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

function pollster(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, POLLSTER_ACCESS_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

const tokenOf = (caller: Caller) => ({ POLLSTER_ACCESS_TOKEN: caller.headers.authorization!.slice('Bearer '.length) });

let t: TestApp;
let url: string;
let dir: string;
let organizer: Caller;
let poll: any;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'pollster-analytics-'));
  organizer = await callerWith(t, 'organizer');
  poll = await openedPoll(t.app, organizer);
  const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: answersFor(poll) } });
  expect(cast.status).toBe(201);
  await t.services.readModelsAt(BigInt(cast.body.position));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pollster analytics export', () => {
  // How fast: tests/cli/cli.int.spec.ts times --help of every command, this one included.
  it('answers --help, naming where the token comes from', async () => {
    const help = await pollster(['analytics', 'export', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout.toString()).toContain('Usage: pollster analytics export [options] <pollId>');
    expect(help.stdout.toString()).toContain('POLLSTER_ACCESS_TOKEN');
  });

  it('writes the CSV to stdout, or byte for byte as the server sent it to --out, never over a file', async () => {
    const printed = await pollster(['analytics', 'export', poll.pollId, '--url', url, '--bucket', 'hour'], tokenOf(organizer));
    expect(printed.code, printed.stderr).toBe(0);
    const rows: string[][] = parse(printed.stdout, { bom: true });
    expect(rows[0]).toEqual(['section', 'key', 'label', 'value', 'shown', 'rate']);
    expect(rows).toContainEqual(['summary', 'bucket', 'hour', '', '', '']);
    expect(rows).toContainEqual(['summary', 'totalBallots', '', '1', '', '']);

    const out = join(dir, 'analytics.csv');
    const saved = await pollster(['analytics', 'export', poll.pollId, '--url', url, '--out', out], tokenOf(organizer));
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout.length).toBe(0);
    const served = await t.app.inject({ method: 'GET', url: `/api/polls/${poll.pollId}/analytics.csv`, headers: organizer.headers });
    expect(await readFile(out)).toEqual(served.rawPayload);
    expect((await readFile(out)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const again = await pollster(['analytics', 'export', poll.pollId, '--url', url, '--out', out], tokenOf(organizer));
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining(`${out} exists`) });
  });

  it('says in one line why not: no token (a usage error, with the usage line), 401, 403, 404', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [[poll.pollId], {}, 'set POLLSTER_ACCESS_TOKEN'],
      [[poll.pollId], { POLLSTER_ACCESS_TOKEN: 'not-a-token' }, '401 auth.invalid-token'],
      [[poll.pollId], tokenOf(await callerWith(t)), '403 analytics.forbidden'],
      [['00000000-0000-4000-8000-000000000000'], tokenOf(organizer), '404 poll.not-found'],
    ];
    const ran = await Promise.all(cases.map(([args, env]) => pollster(['analytics', 'export', ...args, '--url', url], env)));
    ran.forEach((result, i) => {
      expect(result.code).toBe(1);
      expect(result.stdout.length).toBe(0);
      const [why, ...rest] = result.stderr.trim().split('\n');
      expect(why).toContain(cases[i]![2]);
      expect(rest).toEqual(i === 0 ? [expect.stringMatching(/^Usage: pollster analytics export/)] : []);
    });
  });
});
