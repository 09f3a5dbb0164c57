import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPort, errorLines, freePort, listening, privateFolder, spawnPollster, waitReady } from './pollster-process.ts';

/**
 * Stopping `npm start` as people do (Ctrl-C in its terminal, SIGTERM from a supervisor), and the
 * operator commands run beside it: they use the running server's embedded database.
 */
let folder: Awaited<ReturnType<typeof privateFolder>>;
beforeAll(async () => {
  folder = await privateFolder();
});
afterAll(async () => {
  await folder.remove();
});

const npmStart = ['npm', 'start', '--silent'];

async function startWithNpm() {
  const port = await freePort();
  const run = spawnPollster([], { POLLSTER_DATA_DIR: folder.dataDir, PORT: String(port) }, npmStart);
  expect(await waitReady(port), run.output()).toBe(true);
  return { run, port, pgPort: await embeddedPort(folder.dataDir) };
}

describe('stopping npm start', () => {
  it('Ctrl-C (SIGINT to the whole process group) stops with exit 0 and no error lines', async () => {
    const { run, port, pgPort } = await startWithNpm();
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
    expect(errorLines(run.output())).toEqual([]);
    expect(await listening(port)).toBe(false);
    expect(await listening(pgPort)).toBe(false);
  }, 90_000);

  it('SIGTERM to the npm process stops the server behind it', async () => {
    const { run, port, pgPort } = await startWithNpm();
    process.kill(run.child.pid!, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(errorLines(run.output())).toEqual([]);
    expect(await listening(port)).toBe(false);
    expect(await listening(pgPort)).toBe(false);
  }, 90_000);
});

describe('operator commands while the embedded server runs', () => {
  it('projections status, audit verify and users import work against the running instance', async () => {
    const { run, port } = await startWithNpm();
    try {
      const tool = async (...args: string[]) => {
        const t = spawnPollster(args, { POLLSTER_DATA_DIR: folder.dataDir });
        return { code: await t.exited, output: t.output() };
      };
      const status = await tool('projections', 'status');
      expect(status.code, status.output).toBe(0);
      expect(status.output).toMatch(/results\s+\d+/);

      const verify = await tool('audit', 'verify', '--all');
      expect(verify.code, verify.output).toBe(0);

      const csv = join(folder.root, 'people.csv');
      await writeFile(csv, 'email,displayName,password\ngrace@example.org,Grace,correct horse battery\n');
      const imported = await tool('users', 'import', csv);
      expect(imported.code, imported.output).toBe(0);
      expect(imported.output).toMatch(/imported 1, skipped 0/);
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'grace@example.org', password: 'correct horse battery' }),
      });
      expect(login.status).toBe(200); // the server sees what the command wrote
    } finally {
      process.kill(run.child.pid!, 'SIGTERM');
      expect(await run.exited).toBe(0);
    }
  }, 120_000);
});
