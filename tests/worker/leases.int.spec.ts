import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LEASE_NAMESPACES } from '../../src/projections/leases/lease-keys.ts';
import { checkpointOf, createPoll, castBallot } from '../projections/harness.ts';
import { eventually, fastEnv, openWorkerHarness, pause, pollStatus, type WorkerHarness } from './support.ts';

const heldLocks = sql.type(z.object({ id: z.coerce.number(), holders: z.coerce.number() }))`
  SELECT objid::bigint AS id, count(*) AS holders FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ${LEASE_NAMESPACES.partition}
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  GROUP BY objid`;

let h: WorkerHarness;
beforeAll(async () => {
  h = await openWorkerHarness();
});
afterAll(async () => {
  await h.close();
});

describe('partition leases', () => {
  it('two workers split the partitions and never run the same one', async () => {
    const polls = await Promise.all(Array.from({ length: 12 }, () => createPoll(h.store)));
    const a = await h.startWorker({ PROJECTION_PARTITIONS: '4' }, { jobs: [] });
    await eventually(() => a.worker.partitions().length === 4, 5_000, 'the first worker to hold all four');
    const b = await h.startWorker({ PROJECTION_PARTITIONS: '4' }, { jobs: [] });

    // Sample while they re-balance and after: the running sets never intersect.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const [pa, pb] = [a.worker.partitions(), b.worker.partitions()];
      expect(pa.filter((p) => pb.includes(p))).toEqual([]);
      await pause(20);
    }
    expect(a.worker.partitions()).toHaveLength(2);
    expect(b.worker.partitions()).toHaveLength(2);
    expect([...a.worker.partitions(), ...b.worker.partitions()].sort()).toEqual([0, 1, 2, 3]);

    const locks = await h.sql.any(heldLocks);
    expect(locks).toHaveLength(4);
    expect(locks.every((l) => l.holders === 1)).toBe(true);

    // Every poll reached the read model through whichever worker holds its partition.
    for (const { pollId } of polls) await eventually(async () => (await pollStatus(h.sql, pollId)) === 'draft', 5_000, 'poll row');
    for (let i = 0; i < 4; i++) expect(await checkpointOf(h.sql, `polls-catalog#${i}/4`)).not.toBeNull();
    await a.close();
    await b.close();
  });

  it('takes over a crashed worker\'s partitions within the lease retry interval', async () => {
    const child = startChildWorker(h.db.url);
    let survivor: Awaited<ReturnType<WorkerHarness['startWorker']>> | undefined;
    try {
      await eventually(() => child.partitions.length === 4, 10_000, 'the child worker to hold all four');
      survivor = await h.startWorker({ PROJECTION_PARTITIONS: '4' }, { jobs: [] });
      await eventually(() => survivor!.worker.partitions().length === 2 && child.partitions.length === 2, 5_000, 'a 2/2 split');

      const killedAt = Date.now();
      child.process.kill('SIGKILL');
      await eventually(() => survivor!.worker.partitions().length === 4, 5_000, 'the survivor to hold all four');
      // One retry interval for the probe to see the locks gone, plus one for slack.
      expect(Date.now() - killedAt).toBeLessThan(2 * Number(fastEnv.LEASE_RETRY_MS) + 1_000);

      // And the partitions it took over really run: a new poll and its ballot are projected.
      const poll = await createPoll(h.store);
      await castBallot(h.store, poll.pollId);
      await eventually(async () => (await pollStatus(h.sql, poll.pollId)) === 'draft', 5_000, 'poll row after take-over');
    } finally {
      child.process.kill('SIGKILL');
      await survivor?.close();
    }
  });

  it('stops the work of the leases whose session was killed, then takes them again', async () => {
    const w = await h.startWorker({ PROJECTION_PARTITIONS: '4' }, { jobs: [] });
    await eventually(() => w.worker.partitions().length === 4, 5_000, 'all four held');
    let dipped = false;
    const watch = setInterval(() => (dipped ||= w.worker.partitions().length < 4), 5);
    await h.sql.query(sql.unsafe`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'pollster-leases'`);
    try {
      await eventually(() => dipped, 5_000, 'the runners of the lost leases to stop');
      await eventually(() => w.worker.partitions().length === 4, 5_000, 'all four held again');
    } finally {
      clearInterval(watch);
      await w.close();
    }
  });
});

function startChildWorker(databaseUrl: string): { process: ChildProcess; partitions: number[] } {
  const script = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PROJECTION_PARTITIONS: '4', ...fastEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const state = { process: child, partitions: [] as number[] };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    const last = lines.at(-1);
    if (last) state.partitions = (JSON.parse(last) as { partitions: number[] }).partitions;
  });
  return state;
}
