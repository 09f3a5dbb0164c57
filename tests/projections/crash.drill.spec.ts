import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tally } from '../../src/domain/results/tally.ts';
import { getResults, POSTGRES_PROJECTIONS, readPollEvents } from '../../src/projections/index.ts';
import { rebuildProjection } from '../../src/projections/rebuild/rebuild.ts';
import type { FaultPoint } from '../../src/projections/runner/fault-points.ts';
import { seeded } from '../../src/testing/results-fixtures.ts';
import { milestonesDue } from '../../src/worker/jobs/milestones.ts';
import { dumpTables } from './dump-tables.ts';
import { castBallot, changeBallot, closePoll, createPoll, flagBallot, type Harness, openHarness, openPoll, reviewFlag } from './harness.ts';
import { asLogged } from './results-log.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * Issue: "kill a worker (SIGKILL) in the middle of a batch 10 times during a load of ballots,
 * restart, and assert the results equal a fresh replay". A real `pollster worker` process (two
 * partitions, so six runners and checkpoints) dies while ballots, changes, flags and reviews
 * arrive, and is restarted at once. Five deaths rather than ten, four of them aimed
 * (POLLSTER_FAULT_POINT, see src/projections/runner/fault-points.ts) at the two moments where a
 * crash could do harm, which random kills hit only by luck:
 *
 * - before COMMIT, its rows and moved checkpoint written: the restart must find neither, and
 *   apply those events from the old checkpoint (nothing lost)
 * - right after COMMIT, before the runner noted it: the restart must not apply it again
 *
 * The first of each lands in a restarted worker's first batch, the backlog of its downtime
 * (hundreds of events); the second in the live tail. The fifth is a plain SIGKILL from outside at
 * a random moment once the worker applies: wherever it then is (reading, between batches, in a
 * lease round). Rows and checkpoints commit together, so afterwards the results must equal a
 * tally of the log, each ballot must be there once, and a rebuild must yield the same tables.
 *
 * The load is paced rather than flat out: what the restarted worker and the rebuild must work
 * through then depends on the drill's length, not on how fast the machine appends.
 */
const PARTITIONS = 2;
const LOAD_PER_SECOND = 150;
type Death = { fault: `${FaultPoint}@${number}` } | { fault: 'external' };
const DEATHS: Death[] = [
  { fault: 'projection.before-commit@1' },
  { fault: 'projection.after-commit@1' },
  { fault: 'projection.before-commit@4' },
  { fault: 'projection.after-commit@4' },
  { fault: 'external' },
];

let h: Harness;
let worker: WorkerProcess | undefined;
const polls: string[] = [];

beforeAll(async () => {
  h = await openHarness();
  for (let i = 0; i < 4; i++) {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    polls.push(pollId);
  }
});
afterAll(async () => {
  await worker?.kill();
  await h?.close();
});

const checkpoints = () =>
  h.sql.any(sql.type(z.object({ name: z.string(), position: z.bigint() }))`SELECT name, position FROM projection_checkpoints ORDER BY name`);
const progressSum = async () => (await checkpoints()).reduce((sum, c) => sum + c.position, 0n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nworker output:\n${worker?.output() ?? ''}`);
    await sleep(25);
  }
}

/** Ballots, changes, flags and reviews on the open polls, `perSecond` in all, until stopped; the last position written. */
function load(stop: AbortSignal, random: () => number, perSecond: number): Promise<bigint> {
  const cast: Array<{ pollId: string; ballotId: string; voterKey: string }> = [];
  const flagged: Array<{ pollId: string; ballotId: string; voterKey: string; flagId: string }> = [];
  let last = 0n;
  const seen = (p: { position: bigint }) => void (p.position > last && (last = p.position));
  const started = performance.now();
  let issued = 0;
  const writer = async () => {
    while (!stop.aborted) {
      const wait = started + (issued++ * 1000) / perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      if (stop.aborted) break;
      const dice = random();
      const pollId = polls[Math.floor(random() * polls.length)]!;
      const some = cast[Math.floor(random() * cast.length)];
      if (dice < 0.1 && some) seen(await changeBallot(h.store, some.pollId, some.ballotId, some.voterKey));
      else if (dice < 0.15 && some) {
        const f = await flagBallot(h.store, some.pollId, some.ballotId, some.voterKey);
        seen(f);
        flagged.push({ ...some, flagId: f.flagId });
      } else if (dice < 0.18 && flagged.length > 0) {
        const f = flagged.splice(Math.floor(random() * flagged.length), 1)[0]!;
        seen(await reviewFlag(h.store, f.pollId, f.ballotId, f.voterKey, f.flagId));
      } else {
        const b = await castBallot(h.store, pollId);
        seen(b);
        cast.push({ pollId, ...b });
      }
    }
  };
  return Promise.all([writer(), writer(), writer()]).then(() => last);
}

/** Rows on one side only, named: when the tables differ, a whole-table diff would be truncated. */
function oneSided(live: Record<string, string[]>, rebuilt: Record<string, string[]>): string[] {
  return Object.keys({ ...live, ...rebuilt }).flatMap((table) => {
    const a = new Set(live[table]);
    const b = new Set(rebuilt[table]);
    return [
      ...[...a].filter((row) => !b.has(row)).map((row) => `live only: ${table} ${row}`),
      ...[...b].filter((row) => !a.has(row)).map((row) => `rebuilt only: ${table} ${row}`),
    ];
  });
}

describe('a worker killed with SIGKILL mid-projection, before and right after its commits and at random', () => {
  it('ends with results equal to a replay, and a rebuild yields identical tables', { timeout: 120_000 }, async () => {
    const random = seeded(20240611);
    // A small pool: the server's connections are shared with whatever else runs.
    const env = { PROJECTION_PARTITIONS: String(PARTITIONS), DATABASE_POOL_SIZE: '4' };
    const stop = new AbortController();
    const loading = load(stop.signal, random, LOAD_PER_SECOND);
    for (const [i, death] of DEATHS.entries()) {
      if (death.fault === 'external') {
        worker = spawnWorker(h.db.url, env);
        // Killed only once it is applying: its checkpoints moved since it started.
        const before = await progressSum();
        await until(async () => (await progressSum()) > before, 30_000, `worker ${i + 1} to apply something`);
        await sleep(random() * 150);
        await worker.kill();
        continue;
      }
      worker = spawnWorker(h.db.url, { ...env, POLLSTER_FAULT_POINT: death.fault });
      const ended = await Promise.race([worker.exited, sleep(30_000).then(() => undefined)]);
      expect(ended, `worker ${i + 1} to reach ${death.fault}\n${worker.output()}`).toEqual({ code: null, signal: 'SIGKILL' });
      expect(worker.output()).toContain(`fault point ${death.fault} reached`);
    }
    // The last worker runs its background jobs every 200 ms rather than once at its start, so the
    // milestones it owes are recorded while the test waits for them (see below).
    worker = spawnWorker(h.db.url, { ...env, JOBS_INTERVAL_MS: '200' });
    await sleep(500);
    stop.abort();
    let last = await loading;
    // Two polls close; ballots after the close must not count (a checked counting rule, not only arithmetic).
    for (const pollId of polls.slice(0, 2)) last = (await closePoll(h.store, pollId)).position;
    for (const pollId of polls.slice(0, 2)) last = (await castBallot(h.store, pollId)).position;

    const expected = POSTGRES_PROJECTIONS.length * PARTITIONS;
    const caughtUpWith = (position: bigint) => async () => {
      const rows = (await checkpoints()).filter((c) => c.name.includes(`/${PARTITIONS}`));
      return rows.length === expected && rows.every((c) => c.position >= position);
    };
    await until(caughtUpWith(last), 60_000, 'the restarted worker to catch up');
    // The worker writes to the log too: its milestones job records MilestoneReached once the
    // counts it reads pass 100, which may be after the load's last event. Once every milestone due
    // is recorded (its delivery row comes after its event) and no ballot comes, nothing moves a
    // poll's results any more: the log's head is final for what is compared below.
    await until(async () => (await milestonesDue(h.sql, 1)).length === 0, 30_000, 'the milestones job to record every milestone due');
    const logs = new Map<string, Awaited<ReturnType<typeof readPollEvents>>>();
    for (const pollId of polls) logs.set(pollId, await readPollEvents(h.store, pollId));
    const logged = [...logs.values()].flat().reduce((max, e) => (e.position > max ? e.position : max), last);
    await until(caughtUpWith(logged), 30_000, 'the restarted worker to catch up with its own events');

    expect(await h.sql.anyFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM parked_events`)).toEqual([0]);
    for (const [pollId, events] of logs) {
      const replayed = tally(pollId, asLogged(events));
      expect(await getResults(h.sql, pollId), `poll ${pollId}`).toEqual(replayed);
      const casts = events.filter((e) => e.type === 'BallotCast').length;
      expect(await h.sql.oneFirst(sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM read.ballots WHERE poll_id = ${pollId}`)).toBe(casts);
    }
    // A rebuild (with the restarted worker's partition runners still running) changes no row.
    for (const projection of POSTGRES_PROJECTIONS) {
      const live = await dumpTables(h.sql, projection);
      const summary = await rebuildProjection({ sql: h.sql, store: h.store, projection });
      expect(summary.checkpoints).toHaveLength(PARTITIONS);
      const rebuilt = await dumpTables(h.sql, projection);
      expect(oneSided(live, rebuilt), projection.name).toEqual([]);
      expect(rebuilt, projection.name).toEqual(live);
    }
  });
});
