import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tally } from '../../src/domain/results/tally.ts';
import {
  analytics, getAnalytics, getResults, POSTGRES_PROJECTIONS, type Projections, pollsCatalog, readPollEvents, results, startProjections,
} from '../../src/projections/index.ts';
import { rebuildProjection } from '../../src/projections/rebuild/rebuild.ts';
import { listParked, replayParked } from '../../src/projections/runner/parked.ts';
import { randomHistory, seeded } from '../../src/testing/results-fixtures.ts';
import { dumpTables, indexDefinitions } from './dump-tables.ts';
import { castBallot, createPoll, fastRunner, type Harness, openHarness, openPoll, silentLogger } from './harness.ts';
import { appendAll, asLogged } from './results-log.ts';

/**
 * `pollster projections rebuild` while the system runs: ballots keep arriving, the live runners
 * keep applying them, and readers query in a loop. No read may see an empty or partial table
 * (a poll missing, counts going backwards, a finished poll's results changing), and once the
 * load stops the swapped-in tables equal a fresh replay of the log.
 */
let h: Harness;
let projections: Projections;
const livePolls: string[] = [];
const finished: Array<{ pollId: string }> = [];

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: fastRunner });
  // Finished polls with casts, changes, flags, reviews and a close: results that must never move.
  const heads = await Promise.all([7, 8, 9].map((seed) => {
    const pollId = randomUUID();
    finished.push({ pollId });
    // Slugs made unique: the fixture's one slug would be refused by polls-catalog's unique index.
    const history = randomHistory(seeded(seed), pollId, 60, (n) => `${pollId}-b${n}`).map((e) =>
      e.type === 'PollCreated' ? { ...e, data: { ...e.data, slug: `s-${pollId}` } } : e);
    return appendAll(h.store, history);
  }));
  for (let i = 0; i < 3; i++) {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    livePolls.push(pollId);
  }
  const casts = await Promise.all(Array.from({ length: 600 }, (_, i) => castBallot(h.store, livePolls[i % 3]!)));
  await projections.waitForPosition([...heads, ...casts.map((c) => c.position)].reduce((a, b) => (a > b ? a : b)), { timeoutMs: 30_000 });
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

const ballotRows = (pollId: string) =>
  h.sql.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM read.ballots WHERE poll_id = ${pollId}`);

/** Reads everything in a loop until stopped; returns the violations it saw and how many rounds it read. */
function readInLoop(stop: AbortSignal) {
  const violations: string[] = [];
  const last = new Map<string, number>();
  const grows = (key: string, value: number) => {
    if (value < (last.get(key) ?? 0)) violations.push(`${key} went from ${last.get(key)} to ${value}`);
    last.set(key, value);
  };
  const done = (async () => {
    const stable = new Map(await Promise.all(finished.map(async (f) => [f.pollId, await getResults(h.sql, f.pollId)] as const)));
    let rounds = 0;
    while (!stop.aborted) {
      for (const pollId of livePolls) {
        const r = await getResults(h.sql, pollId);
        if (r === null) violations.push(`results of ${pollId} missing`);
        else grows(`results ${pollId}`, r.totalBallots);
        const a = await getAnalytics(h.sql, pollId);
        if (a === null) violations.push(`analytics of ${pollId} missing`);
        else grows(`analytics ${pollId}`, a.totalBallots);
        grows(`catalog ${pollId}`, await ballotRows(pollId));
      }
      for (const [pollId, before] of stable) {
        const now = await getResults(h.sql, pollId);
        if (!isDeepStrictEqual(now, before)) violations.push(`results of finished poll ${pollId} changed`);
      }
      rounds++;
    }
    return rounds;
  })();
  return { violations, done };
}

/** Appends ballots to the live polls until stopped; resolves with the last position written. */
function castInLoop(stop: AbortSignal): Promise<bigint> {
  let last = 0n;
  const writer = async (i: number) => {
    while (!stop.aborted) {
      const { position } = await castBallot(h.store, livePolls[i % livePolls.length]!);
      if (position > last) last = position;
    }
  };
  return Promise.all([0, 1, 2, 3].map(writer)).then(() => last);
}

describe('projections rebuild', () => {
  it('swaps in fresh tables while ballots arrive and readers read, and they equal a replay', { timeout: 120_000 }, async () => {
    const stop = new AbortController();
    const reader = readInLoop(stop.signal);
    const writing = castInLoop(stop.signal);
    // Every index, the secondary ones built after the bulk of the replay included, as the migrations made it.
    const indexes = () => Promise.all([results, pollsCatalog, analytics].flatMap((p) => p.tables!.map((t) => indexDefinitions(h.sql, t))));
    const indexesBefore = await indexes();
    expect(indexesBefore.flat().some((d) => d.includes('polls_public') && d.includes('WHERE'))).toBe(true);
    const summaries = [];
    // Small batches and one slice at a time: the rebuild then takes long enough to race the load.
    for (const projection of [results, pollsCatalog, analytics]) {
      summaries.push(await rebuildProjection({ sql: h.sql, store: h.store, projection, batchSize: 50, concurrency: 1 }));
    }
    stop.abort();
    const last = await writing;
    const rounds = await reader.done;
    await projections.waitForPosition(last, { timeoutMs: 30_000 });

    expect(reader.violations).toEqual([]);
    expect(rounds).toBeGreaterThan(5);
    for (const s of summaries) {
      expect(s.parked).toEqual([]);
      expect(s.checkpoints).toEqual([s.projection]);
    }
    expect(await indexes()).toEqual(indexesBefore);
    // No shadow schema left behind.
    expect(await h.sql.anyFirst(sql.type(z.object({ n: z.string() }))`SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).toEqual([]);

    // The swapped-in results equal a replay of each poll's log through tally...
    for (const pollId of [...livePolls, ...finished.map((f) => f.pollId)]) {
      expect(await getResults(h.sql, pollId)).toEqual(tally(pollId, asLogged(await readPollEvents(h.store, pollId))));
    }
    // ...and the tables equal a fresh rebuild from the now quiet log, row for row.
    for (const projection of POSTGRES_PROJECTIONS) {
      const swapped = await dumpTables(h.sql, projection);
      await rebuildProjection({ sql: h.sql, store: h.store, projection });
      expect(await dumpTables(h.sql, projection), projection.name).toEqual(swapped);
    }
  });

  it('refuses a second rebuild of the same projection while one runs', async () => {
    const first = rebuildProjection({ sql: h.sql, store: h.store, projection: results, batchSize: 20, concurrency: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(rebuildProjection({ sql: h.sql, store: h.store, projection: results })).rejects.toThrow(/already running/);
    await first;
  });

  it('parks what it cannot apply, and replay-parked applies it once the handler copes', async () => {
    const { ballotId, position } = await castBallot(h.store, livePolls[0]!);
    await projections.waitForPosition(position);
    const failing = { ...pollsCatalog, handle: async (events: Parameters<typeof pollsCatalog.handle>[0], tx: Parameters<typeof pollsCatalog.handle>[1]) => {
      if (events.some((e) => (e.data as { ballotId?: string }).ballotId === ballotId)) throw new TypeError('cannot apply this one');
      await pollsCatalog.handle(events, tx);
    } };
    const summary = await rebuildProjection({ sql: h.sql, store: h.store, projection: failing, batchSize: 100 });
    expect(summary.parked.map((p) => p.event.position)).toEqual([position]);
    expect((await listParked(h.sql, 'polls-catalog')).map((p) => [p.projection, p.position, p.error])).toEqual([
      ['polls-catalog', position, 'TypeError: cannot apply this one'],
    ]);
    const rows = await ballotRows(livePolls[0]!);
    const outcomes = await replayParked({ sql: h.sql, store: h.store, projections: POSTGRES_PROJECTIONS });
    expect(outcomes.map((o) => o.replayed)).toEqual([true]);
    expect(await ballotRows(livePolls[0]!)).toBe(rows + 1);
    expect(await listParked(h.sql)).toEqual([]);
  });
});
