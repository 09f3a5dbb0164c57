import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWrites } from '../../src/db/open-writes.ts';
import { logHorizonJob } from '../../src/worker/jobs/log-horizon.ts';
import { eventually, openWorkerHarness, pause, type WorkerHarness } from './support.ts';

let h: WorkerHarness;
beforeAll(async () => {
  h = await openWorkerHarness();
});
afterAll(async () => {
  await h.close();
});

/** A session of "another program" that opens a writing transaction and leaves it idle. */
async function idleWriter() {
  const application = `horizon-test-${randomUUID().slice(0, 8)}`;
  const client = new pg.Client({ connectionString: h.db.url, application_name: application });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await client.query('BEGIN');
  await client.query('SELECT pg_current_xact_id()'); // takes a transaction id, as any write does
  return {
    application,
    pid: rows[0]!.pid,
    async end() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

function capturedLogger() {
  const lines: { level: number; msg: string; holder?: { pid: number } }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40), infos: () => lines.filter((l) => l.level === 30) };
}

describe('the log horizon', () => {
  it('openWrites lists an idle writing transaction of another session, with how long it has been open', async () => {
    const writer = await idleWriter();
    try {
      await pause(300);
      const mine = (await openWrites(h.sql, 100)).find((w) => w.application === writer.application);
      expect(mine).toMatchObject({ pid: writer.pid, state: 'idle in transaction', database: h.db.name });
      expect(mine!.seconds).toBeGreaterThanOrEqual(0.25);
      expect(Date.parse(mine!.since)).toBeLessThanOrEqual(Date.now() - 250);
    } finally {
      await writer.end();
    }
    expect((await openWrites(h.sql, 100)).map((w) => w.application)).not.toContain(writer.application);
  });

  it('the log-horizon job warns once per holder past the threshold, and says when it has ended', async () => {
    const writer = await idleWriter();
    const { logger, warnings, infos } = capturedLogger();
    // Only this test's session: other test files' transactions come and go on the same server.
    const job = logHorizonJob({
      oldest: async () => (await openWrites(h.sql, 100)).find((w) => w.application === writer.application),
      logger,
      warnAfterSeconds: 1,
    });
    const signal = new AbortController().signal;
    try {
      await job.run(signal);
      expect(warnings()).toEqual([]); // open, but not for a second yet
      await pause(1100);
      await job.run(signal);
      await job.run(signal);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]!.holder).toMatchObject({ pid: writer.pid, application: writer.application, state: 'idle in transaction' });
      expect(warnings()[0]!.msg).toMatch(/holds back every reader of the log/);
    } finally {
      await writer.end();
    }
    await job.run(signal);
    expect(infos().map((l) => l.msg)).toEqual(['the transaction that held the log horizon has ended']);
    expect(warnings()).toHaveLength(1);
  });

  it('a worker on the postgres store runs the job; on EventStoreDB it has no horizon to watch', async () => {
    const onPostgres = await h.startWorker({ PROJECTION_PARTITIONS: '1' });
    try {
      await eventually(() => onPostgres.worker.jobs().includes('log-horizon'), 10_000, 'the log-horizon lease');
    } finally {
      await onPostgres.close();
    }
    const onEsdb = await h.startWorker({ PROJECTION_PARTITIONS: '1', EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113' }, { runProjections: false });
    try {
      await eventually(() => onEsdb.worker.jobs().length > 0, 10_000, 'job leases');
      expect(onEsdb.worker.jobs()).not.toContain('log-horizon');
    } finally {
      await onEsdb.close();
    }
  });
});
