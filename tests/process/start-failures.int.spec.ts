import { access, chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedPort,
  freePort,
  listening,
  occupy,
  plainLines,
  privateFolder,
  spawnPollster,
  waitReady,
} from './pollster-process.ts';

/**
 * `pollster start` on the embedded default where a newcomer's first minutes go wrong: a data
 * folder below a root home folder (mode 0700), ports taken by other programs, a cluster left
 * half created. Each failure is one line and exit 1; the data folder works afterwards.
 */
let folder: Awaited<ReturnType<typeof privateFolder>>;
beforeAll(async () => {
  folder = await privateFolder();
});
afterAll(async () => {
  await folder.remove();
});

async function startAndStop(env: Record<string, string>, during?: (port: number) => Promise<void>) {
  const port = await freePort();
  const run = spawnPollster(['start'], { POLLSTER_DATA_DIR: folder.dataDir, PORT: String(port), ...env });
  expect(await waitReady(port), run.output()).toBe(true);
  await during?.(port);
  process.kill(run.child.pid!, 'SIGTERM');
  expect(await run.exited).toBe(0);
  return run.output();
}

const register = (port: number, email: string) =>
  fetch(`http://127.0.0.1:${port}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery', displayName: 'Ada' }),
  });

describe('pollster start on the embedded default', () => {
  it('serves from a data folder inside a folder of mode 0700, and keeps its data across restarts', async () => {
    const first = await startAndStop({}, async (port) => {
      expect((await register(port, 'ada@example.org')).status).toBe(201);
    });
    if (process.getuid?.() === 0) expect(first).toMatch(/cannot enter .*: its cluster lives in \/var\/lib\/pollster\/clusters\//);
    await startAndStop({}, async (port) => {
      expect((await register(port, 'ada@example.org')).status).toBe(409); // the account is still there
    });
  }, 90_000);

  it('refuses an EMBEDDED_PG_PORT that another program holds, in one line, and starts afterwards', async () => {
    const taken = await freePort();
    const other = await occupy(taken);
    try {
      const run = spawnPollster(['start'], { POLLSTER_DATA_DIR: folder.dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(taken) });
      expect(await run.exited).toBe(1);
      expect(plainLines(run.output())).toEqual([
        `pollster: EMBEDDED_PG_PORT=${taken}: 127.0.0.1:${taken} is in use by another program; free it, choose another port, or unset EMBEDDED_PG_PORT to let Pollster choose one`,
      ]);
    } finally {
      other.close();
    }
    await startAndStop({});
  }, 90_000);

  it('moves to a free port when its remembered port was taken meanwhile, and remembers the new one', async () => {
    const remembered = await embeddedPort(folder.dataDir);
    const other = await occupy(remembered);
    try {
      await startAndStop({}, async () => {
        const now = await embeddedPort(folder.dataDir);
        expect(now).not.toBe(remembered);
        expect(await listening(now)).toBe(true);
      });
    } finally {
      other.close();
    }
  }, 90_000);

  it('says at once that the HTTP port is taken, in one line, before touching any data', async () => {
    const fresh = await privateFolder();
    const port = await freePort();
    const other = await occupy(port);
    try {
      const started = Date.now();
      const run = spawnPollster(['start'], { POLLSTER_DATA_DIR: fresh.dataDir, PORT: String(port) });
      expect(await run.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000); // node start-up on a loaded machine; the old code got here after migrations
      expect(plainLines(run.output())).toEqual([
        `pollster: 127.0.0.1:${port} is in use by another program: stop it, or set PORT (and HOST) to a free address`,
      ]);
      await expect(access(fresh.dataDir)).rejects.toThrow(); // no data folder, no cluster
    } finally {
      other.close();
      await fresh.remove();
    }
  }, 30_000);

  it('clears a cluster left half created by an interrupted first start, and starts', async () => {
    const fresh = await privateFolder();
    await chmod(fresh.root, 0o755); // the cluster in the data folder itself, where the leftovers are
    try {
      // What starts killed during initdb leave: a cluster folder without PG_VERSION, a partial one.
      await mkdir(join(fresh.dataDir, 'postgres', 'base'), { recursive: true });
      await mkdir(join(fresh.dataDir, 'postgres.partial', 'base'), { recursive: true });
      const port = await freePort();
      const run = spawnPollster(['start'], { POLLSTER_DATA_DIR: fresh.dataDir, PORT: String(port) });
      expect(await waitReady(port), run.output()).toBe(true);
      process.kill(run.child.pid!, 'SIGTERM');
      expect(await run.exited).toBe(0);
      await access(join(fresh.dataDir, 'postgres', 'PG_VERSION'));
      await expect(access(join(fresh.dataDir, 'postgres.partial'))).rejects.toThrow();
    } finally {
      await fresh.remove();
    }
  }, 90_000);
});
