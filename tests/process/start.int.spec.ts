import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './pollster-process.ts';

/**
 * `pollster start` as a newcomer runs it: the embedded default on an empty folder, its first log
 * lines, a second instance refused, and a clean exit on SIGTERM leaving no PostgreSQL behind.
 */
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const folders: string[] = [];


function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [main, 'start'], { env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('pollster start (embedded default)', () => {
  // A limit of its own because the work is inherently long: a fresh PostgreSQL cluster (initdb,
  // a first start) and two Node processes. 8 s alone on the 2-core machine, 17-32 s in runs of the
  // int project and of the whole suite beside other checkouts' runs: past half of the 60 s it had.
  it('says where it runs, serves, refuses a second instance on the folder, and exits 0 on SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pollster-start-'));
    folders.push(root);
    await chmod(root, 0o755); // PostgreSQL runs as its own user when we are root
    const env = { POLLSTER_DATA_DIR: join(root, 'data'), EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
    const first = start(env);
    let ready = false;
    for (const deadline = Date.now() + 90_000; !ready && Date.now() < deadline; ) {
      ready = await fetch(`http://127.0.0.1:${env.PORT}/health/ready`).then((r) => r.ok, () => false);
      if (!ready) await sleep(100);
    }
    expect(ready).toBe(true);
    expect(first.output()).toContain(`embedded mode: own PostgreSQL under ${env.POLLSTER_DATA_DIR}`);

    const second = start({ ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/another Pollster process \(pid \d+\) is using the data folder/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('shutting down');
    // the embedded cluster stopped with us: nothing listens on its port any more
    const pgListening = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(env.EMBEDDED_PG_PORT) });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    expect(pgListening).toBe(false);
  }, 120_000);
});
