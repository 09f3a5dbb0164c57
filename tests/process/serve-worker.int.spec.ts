import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { serviceUrls } from '../support/services.ts';
import { errorLines, freePort, httpCaller, privateFolder, registeredToken, spawnPollster, waitReady } from './pollster-process.ts';

/**
 * The split deployment, `pollster serve` beside `pollster worker`: the API node runs no
 * projections, yet a command's next read shows it, as from `pollster start` (its API waits for
 * the workers' checkpoints, src/projections/runner/checkpoint-wait.ts). The worker splits the
 * projections in two partitions while the node's own PROJECTION_PARTITIONS says 4: the node reads
 * the scheme from the checkpoints. With no worker left, a command still answers, after the wait.
 */
let db: TestDatabase;
let folder: Awaited<ReturnType<typeof privateFolder>>;
beforeAll(async () => {
  db = await createTestDatabase('pollster_split');
  folder = await privateFolder();
});
afterAll(async () => {
  await db?.drop();
  await folder?.remove();
});

async function partitionsStarted(count: number): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (let tries = 0; tries < 200; tries++) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM projection_checkpoints WHERE name LIKE $1`, [`%#%/${count}`]);
      if (rows[0].n >= 3 * count) return;
      await sleep(100);
    }
    throw new Error('the worker did not start its partitions');
  } finally {
    await client.end();
  }
}

describe('pollster serve beside pollster worker', () => {
  it("reads its writes through the workers' checkpoints, and answers without a worker after its wait", async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL: serviceUrls.redis, NATS_URL: serviceUrls.nats, POLLSTER_DATA_DIR: folder.dataDir, PROJECTION_PARTITIONS: '4' };
    // The worker first, so that it alone migrates and creates the keys of the data folder both share.
    const worker = spawnPollster(['worker', '--partitions', '2'], env);
    for (let tries = 0; tries < 300 && !worker.output().includes('"msg":"worker started"'); tries++) await sleep(100);
    const port = await freePort();
    const serve = spawnPollster(['serve'], { ...env, PORT: String(port) });
    try {
      expect(await waitReady(port), serve.output()).toBe(true);
      await partitionsStarted(2);
      const call = httpCaller(port);
      const token = await registeredToken(call, 'split@example.org');
      const poll = (title: string) => ({ title, questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }] }], settings: { voterPolicy: 'open' } });

      // Without the wait, each list came back without the poll just created (the worker reads
      // the log every 50 ms and lets 45 ms of events gather).
      for (let i = 0; i < 3; i++) {
        const created = await call('POST', '/api/polls', poll(`Split ${i}`), token);
        expect(created.status).toBe(201);
        const listed = await call('GET', '/api/polls?mine=true', undefined, token);
        expect(listed.body.items.map((p: { pollId: string }) => p.pollId)).toContain(created.body.pollId);
      }

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const started = performance.now();
      expect((await call('POST', '/api/polls', poll('No worker'), token)).status).toBe(201);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(2_000);
      expect(waited).toBeLessThan(10_000);
      // The line is written before the answer, but reaches this end of the pipe on its own time.
      const warning = 'the read models did not reach a command within the wait';
      for (let tries = 0; tries < 100 && !serve.output().includes(warning); tries++) await sleep(20);
      expect(serve.output()).toContain(warning);
    } finally {
      worker.child.kill('SIGTERM');
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(errorLines(serve.output())).toEqual([]);
    expect(errorLines(worker.output())).toEqual([]);
  }, 60_000);
});
