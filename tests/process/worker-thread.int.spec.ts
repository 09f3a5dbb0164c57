import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { serviceUrls } from '../support/services.ts';
import { errorLines, freePort, httpCaller, privateFolder, registeredToken, spawnPollster, waitReady } from './pollster-process.ts';

/**
 * `pollster start` with NATS (the full stack) runs its projections and background jobs on a
 * worker thread (src/runtime/worker-thread.ts). What users of one process count on must still
 * hold: a command's next read shows it (read-your-writes waits for the thread), a closed poll's
 * results count its ballots, /metrics reports the thread's projections, and SIGTERM stops both
 * threads cleanly.
 */
let db: TestDatabase;
let folder: Awaited<ReturnType<typeof privateFolder>>;
beforeAll(async () => {
  db = await createTestDatabase('pollster_thread');
  folder = await privateFolder();
});
afterAll(async () => {
  await db?.drop();
  await folder?.remove();
});

describe('pollster start on the full stack: the worker thread', () => {
  it('reads its writes through the thread, counts ballots, reports its projections and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const run = spawnPollster(['start'], {
      DATABASE_URL: db.url,
      REDIS_URL: serviceUrls.redis,
      NATS_URL: serviceUrls.nats,
      POLLSTER_DATA_DIR: folder.dataDir,
      PORT: String(port),
    });
    try {
      expect(await waitReady(port), run.output()).toBe(true);
      expect(run.output()).toContain('projections and background jobs run on a worker thread');
      // The thread's lines say so: its start-up repeats the main thread's (mode, database, key).
      const threadLines = run.output().split('\n').filter((line) => line.includes('"thread":"worker"'));
      // Its projections run unpartitioned, as start's always did: no partition leases to name.
      const started = threadLines.find((line) => line.includes('"msg":"worker started"'));
      expect(started && JSON.parse(started)).toMatchObject({ jobs: expect.arrayContaining(['audit-checkpoints', 'poll-schedule']) });
      expect(started && JSON.parse(started)).not.toHaveProperty('partitions');
      expect(threadLines.some((line) => line.includes('"msg":"Server listening'))).toBe(false);
      const call = httpCaller(port);
      const token = await registeredToken(call, 'thread@example.org');

      // The main thread appends; the thread's projections write the read model. Without the wait
      // for the thread (a `serve` node's behaviour), the list would lag the create by a poll.
      for (let i = 0; i < 3; i++) {
        const created = await call('POST', '/api/polls', { title: `Thread ${i}`, questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }] }], settings: { voterPolicy: 'open' } }, token);
        expect(created.status).toBe(201);
        const listed = await call('GET', '/api/polls?mine=true', undefined, token);
        expect(listed.body.items.map((p: { pollId: string }) => p.pollId)).toContain(created.body.pollId);
      }

      const { pollId } = (await call('GET', '/api/polls?mine=true', undefined, token)).body.items[0];
      expect((await call('POST', `/api/polls/${pollId}/open`, undefined, token)).status).toBe(200);
      const poll = (await call('GET', `/api/polls/${pollId}`, undefined, token)).body;
      const question = poll.questions[0];
      const cast = await call('POST', `/api/polls/${pollId}/ballots`, { answers: [{ questionId: question.questionId, optionIds: [question.options[1].optionId] }] }, token);
      expect(cast.status, JSON.stringify(cast.body)).toBe(201);
      // closePoll answers once the read models have the close, so the ballot before it is counted.
      expect((await call('POST', `/api/polls/${pollId}/close`, undefined, token)).status).toBe(200);
      const results = (await call('GET', `/api/polls/${pollId}/results`, undefined, token)).body;
      expect({ status: results.status, total: results.totalBallots, votes: results.questions[0].options.map((o: { votes: number }) => o.votes) }).toEqual({
        status: 'closed',
        total: 1,
        votes: [0, 1],
      });

      const metrics = (await call('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/pollster_projection_lag_events\{projection="results"\} 0/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(errorLines(run.output())).toEqual([]);
    expect(run.output()).toContain('worker stopped');
  }, 60_000);
});
