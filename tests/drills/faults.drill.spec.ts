import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsClient } from '../live/support/live-clients.ts';
import { check, type Drill, type LoadRecord, openDrill, runLoad, type Verdict } from './support/drill.ts';

/**
 * An operator's worst day, against real processes and private stores: each drill runs a load of
 * voters, injects one fault in the middle, ends the fault, and checks that no acknowledged
 * ballot was lost and none was counted twice, and that the read model, the API and Redis agree
 * with a fresh count from the log again. The table of every drill is printed at the end.
 */
let drill: Drill;
const table: Array<{ drill: string; verdict: Verdict; visible: string }> = [];

beforeAll(async () => {
  drill = await openDrill();
}, 120_000);
afterAll(async () => {
  if (table.length > 0) {
    console.log(`\nfault drills (${drill?.poll.pollId}):`);
    console.table(table.map(({ drill: name, verdict: v, visible }) => ({
      drill: name, acknowledged: v.acknowledged, lost: v.lost, double: v.doubleCounted, 'client-visible': visible, 'recovery ms': v.recoveryMs,
    })));
  }
  await drill?.close();
}, 60_000);

/** Load for `beforeMs`, the fault, load until the fault is over plus `afterMs`; then the check. */
async function underLoad(name: string, fault: () => Promise<void>, options: { beforeMs?: number; afterMs?: number } = {}) {
  const stop = new AbortController();
  const loading = runLoad(drill, stop.signal);
  await sleep(options.beforeMs ?? 1_500);
  await fault();
  await sleep(options.afterMs ?? 1_500);
  stop.abort();
  const load: LoadRecord = await loading;
  const verdict = await check(drill, load);
  const visible = [...load.statuses].filter(([status]) => status !== '201').map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
  table.push({ drill: name, verdict, visible });
  expect(verdict.acknowledged, name).toBeGreaterThan(0);
  expect(verdict.lost, name).toBe(0);
  expect(verdict.doubleCounted, name).toBe(0);
  expect([verdict.readModel, verdict.api, verdict.redis], name).toEqual([verdict.freshCount, verdict.freshCount, verdict.freshCount]);
  return { load, verdict };
}

const holdSession = async (statement: string, holdMs: number) => {
  const client = new pg.Client({ connectionString: drill.stores.postgres.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(statement);
  await sleep(holdMs);
  await client.query('ROLLBACK');
  await client.end();
};

describe('fault drills under load (0 lost, 0 counted twice)', () => {
  it('SIGKILL of the API, restarted', async () => {
    await underLoad('api SIGKILL', async () => {
      await drill.api.kill('SIGKILL');
      await drill.api.start();
    });
  }, 120_000);

  it('SIGKILL of the worker, restarted', async () => {
    await underLoad('worker SIGKILL', async () => {
      await drill.worker.kill('SIGKILL');
      await drill.worker.start();
    });
  }, 120_000);

  it('SIGTERM of the API under load: in-flight requests finish; restarted', async () => {
    const { load } = await underLoad('api SIGTERM', async () => {
      expect(await drill.api.kill('SIGTERM')).toBe(0);
      await drill.api.start();
    });
    expect(load.statuses.get('500') ?? 0).toBe(0);
  }, 120_000);

  for (const mode of ['fast', 'immediate'] as const) {
    it(`PostgreSQL restart (${mode})`, async () => {
      await underLoad(`postgres restart ${mode}`, async () => {
        await drill.stores.postgres.stop(mode);
        await sleep(1_000);
        await drill.stores.postgres.restart();
      }, { afterMs: 3_000 });
    }, 120_000);
  }

  it('Redis killed and restarted empty', async () => {
    await underLoad('redis restart empty', async () => {
      await drill.stores.redis.kill();
      await sleep(1_000);
      await drill.stores.redis.start();
    }, { afterMs: 2_500 });
  }, 120_000);

  it('NATS killed with a viewer connected: the viewer keeps getting results', async () => {
    const viewer = await WsClient.connect(`${drill.apiUrl().replace('http', 'ws')}/api/polls/${drill.poll.pollId}/live`);
    try {
      const { verdict } = await underLoad('nats restart', async () => {
        await drill.stores.nats.kill();
        await sleep(2_000);
        await drill.stores.nats.start();
      }, { afterMs: 3_000 });
      const total = () => (viewer.latest?.results as { totalBallots?: number } | undefined)?.totalBallots;
      await viewer.waitFor(() => total() === verdict.freshCount, 15_000, `a frame with all ${verdict.freshCount} ballots`);
    } finally {
      await viewer.close();
    }
  }, 120_000);

  it('an idle transaction on the server (held 4 s): ballots keep being accepted', async () => {
    await underLoad('idle transaction', () => holdSession('SELECT pg_current_xact_id()', 4_000));
  }, 120_000);

  it('a lock on the events table (held 4 s): ballots wait a bounded time, then land', async () => {
    await underLoad('events table lock', () => holdSession('LOCK TABLE events IN ACCESS EXCLUSIVE MODE', 4_000));
  }, 120_000);
});
