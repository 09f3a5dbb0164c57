import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tally } from '../../src/domain/results/tally.ts';
import { getResults, type Projections, readPollEvents, results, startProjections } from '../../src/projections/index.ts';
import { randomHistory, seeded } from '../../src/testing/results-fixtures.ts';
import { fastRunner, type Harness, openHarness, silentLogger } from './harness.ts';
import { appendAll, asLogged } from './results-log.ts';

/**
 * Property: for any history of casts, changes, flags, reviews and a close (several polls written
 * at once, so their events interleave in the log), the read model's results equal `tally` over
 * the same events. Seeded: a failure names the seed that reproduces it.
 */
let h: Harness;
let projections: Projections;

beforeAll(async () => {
  h = await openHarness();
  // Small, odd batches: a ballot's cast, change and review land in the same batch as often as not.
  projections = startProjections({
    store: h.store, sql: h.sql, logger: silentLogger, runner: { ...fastRunner, batchSize: 7 }, projections: [results],
  });
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

describe('results read model = tally(events)', () => {
  const seeds = [1, 2, 3, 42, 1337, 2024, 31337, 4242];
  it(`holds for random histories (seeds ${seeds.join(', ')})`, async () => {
    const polls = seeds.map((seed) => {
      const pollId = randomUUID();
      return { seed, pollId, events: randomHistory(seeded(seed), pollId, 40 + (seed % 30), (n) => `${pollId}-b${n}`) };
    });
    const heads = await Promise.all(polls.map((p) => appendAll(h.store, p.events)));
    await projections.waitForPosition(heads.reduce((a, b) => (a > b ? a : b)));
    const seen = { pending: 0, uncounted: 0 };
    for (const { seed, pollId, events } of polls) {
      const logged = asLogged(await readPollEvents(h.store, pollId));
      expect(logged.map((e) => e.type), `seed ${seed}: the log holds the history`).toEqual(events.map((e) => e.type));
      const replayed = tally(pollId, logged);
      expect(await getResults(h.sql, pollId), `seed ${seed}`).toEqual(replayed);
      expect(replayed?.status).toBe('closed');
      seen.pending += replayed!.flaggedPending;
      seen.uncounted += events.filter((e) => e.type === 'BallotCast').length - replayed!.totalBallots;
    }
    // Not vacuous: the histories leave flags pending and have ballots that do not count (late or rejected).
    expect(seen.pending).toBeGreaterThan(0);
    expect(seen.uncounted).toBeGreaterThan(0);
  });
});
