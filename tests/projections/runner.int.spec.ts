import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pollStream } from '../../src/domain/shared/streams.ts';
import {
  analytics, findBallot, findFlag, getAnalytics, getPoll, getResults, type PostgresProjection, ProjectionRunner, pollsCatalog, resetProjection, results,
} from '../../src/projections/index.ts';
import { applyInTransaction, applyTogether } from '../../src/projections/runner/apply.ts';
import {
  lastAppended,
  castBallot, changeBallot, checkpointOf, closePoll, createPoll, dumpCatalog, fastRunner, flagBallot, type Harness,
  openHarness, openPoll, reviewFlag, silentLogger,
} from './harness.ts';
import { pollDefinition } from '../../src/testing/poll-fixtures.ts';
import { answers } from '../../src/testing/ballot-fixtures.ts';

/**
 * The runtime's guarantees with the real store and database: rows and checkpoint commit together,
 * a crash or restart applies nothing twice and skips nothing, poison events are parked, and a
 * replay from 0 rebuilds the same tables.
 */
let h: Harness;
const running: ProjectionRunner[] = [];

beforeAll(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await h?.close();
});

function run(projection: PostgresProjection = pollsCatalog, batchSize?: number): ProjectionRunner {
  const runner = new ProjectionRunner({
    store: h.store, sql: h.sql, logger: silentLogger, projection, ...fastRunner, ...(batchSize ? { batchSize } : {}),
  });
  runner.start();
  running.push(runner);
  return runner;
}

/** polls-catalog under its own name, failing as `fail` says after it wrote its rows. */
const failing = (fail: (events: readonly { id: string }[]) => Error | undefined): PostgresProjection => ({
  ...pollsCatalog,
  async handle(events, tx) {
    await pollsCatalog.handle(events, tx);
    const error = fail(events);
    if (error) throw error;
  },
});

const connectionLost = () => Object.assign(new Error('terminating connection (simulated crash)'), { code: '57P01' });

const ballotRows = (pollId: string) =>
  h.sql.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM read.ballots WHERE poll_id = ${pollId}`);

const parked = () =>
  h.sql.any(sql.type(z.object({ projection: z.string(), position: z.bigint(), event_id: z.string(), type: z.string(), error: z.string() }))`
    SELECT projection, position, event_id, type, error FROM parked_events ORDER BY position`);

describe('ProjectionRunner', () => {
  it('commits rows and checkpoint together: a failure after writing leaves neither', async () => {
    const { pollId, position } = await createPoll(h.store);
    const [event] = await h.store.readStream(pollStream(pollId));
    const target = { sql: h.sql, projection: failing(() => connectionLost()), name: 'polls-catalog', includes: () => true };
    const before = await checkpointOf(h.sql, 'polls-catalog');
    await expect(applyInTransaction(target, [event!], position)).rejects.toThrow('simulated crash');
    expect(await getPoll(h.sql, pollId)).toBeNull();
    expect(await checkpointOf(h.sql, 'polls-catalog')).toBe(before);

    const runner = run();
    await runner.waitForPosition(position);
    expect(await getPoll(h.sql, pollId)).not.toBeNull();
    expect(await checkpointOf(h.sql, 'polls-catalog')).toBe(position);
  });

  it('restarts from the checkpoint after crashes and a stop, applying each event once', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    for (let i = 0; i < 5; i++) await castBallot(h.store, pollId);
    let crashes = 0;
    const crashing = failing(() => (crashes++ < 3 ? connectionLost() : undefined));
    const first = run(crashing, 2);
    const mid = await castBallot(h.store, pollId);
    await first.waitForPosition(mid.position);
    await first.stop();
    expect(crashes).toBeGreaterThan(3);
    expect((await first.status()).lastError?.message).toContain('simulated crash');

    const last = (await Promise.all([castBallot(h.store, pollId), castBallot(h.store, pollId)])).at(-1)!;
    const second = run();
    await second.waitForPosition(await lastAppended(h.sql));
    expect(await ballotRows(pollId)).toBe(8);
    expect((await getPoll(h.sql, pollId))?.ballots).toBe(8);
    expect(await parked()).toEqual([]); // systemic failures are retried, never parked
    expect(await checkpointOf(h.sql, 'polls-catalog')).toBeGreaterThanOrEqual(last.position);
  });

  it('two runners of one projection never apply an event twice', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const a = run(pollsCatalog, 3);
    const b = run(pollsCatalog, 3);
    const casts = await Promise.all(Array.from({ length: 30 }, () => castBallot(h.store, pollId)));
    const head = casts.reduce((max, c) => (c.position > max ? c.position : max), 0n);
    await Promise.all([a.waitForPosition(head), b.waitForPosition(head)]);
    expect(await ballotRows(pollId)).toBe(30);
    expect((await getPoll(h.sql, pollId))?.ballots).toBe(30);
  });

  it('parks a poison event and goes on with the rest of its batch', async () => {
    const { pollId, slug } = await createPoll(h.store);
    // No slug: violates NOT NULL on read.polls, a data error that no retry fixes.
    const broken = randomUUID();
    const { slug: _, ...withoutSlug } = { ...pollDefinition(), pollId: broken };
    const bad = await h.store.append(pollStream(broken), [{ id: randomUUID(), type: 'PollCreated', data: withoutSlug }], 'any');
    // A second poll with the first one's slug: the unique index refuses it (SQLSTATE 23505).
    const twin = randomUUID();
    const dup = await h.store.append(pollStream(twin), [{ id: randomUUID(), type: 'PollCreated', data: { ...pollDefinition(), pollId: twin, slug } }], 'any');
    const ballots = await Promise.all([castBallot(h.store, pollId), castBallot(h.store, pollId), castBallot(h.store, pollId)]);
    const poisonId = ballots[1]!.ballotId;
    const throwsOnOne = failing((events) =>
      events.some((e) => (e as unknown as { data: { ballotId?: string } }).data.ballotId === poisonId)
        ? new TypeError('cannot read the answers of this ballot')
        : undefined,
    );
    const head = await lastAppended(h.sql);
    const runner = run(throwsOnOne);
    await runner.waitForPosition(head);

    const rows = await parked();
    expect(rows.map((r) => [r.projection, r.type, r.position])).toEqual([
      ['polls-catalog', 'PollCreated', bad.position],
      ['polls-catalog', 'PollCreated', dup.position],
      ['polls-catalog', 'BallotCast', ballots[1]!.position],
    ]);
    expect(rows[0]!.error).toContain(`PollCreated ${rows[0]!.event_id} at position ${bad.position} has no slug`);
    expect(rows[1]!.error).toContain('duplicate key value violates unique constraint "polls_slug_key"');
    expect(rows[2]!.error).toContain('TypeError: cannot read the answers of this ballot');
    expect(await ballotRows(pollId)).toBe(2);
    expect(await getPoll(h.sql, broken)).toBeNull();
    expect(await getPoll(h.sql, twin)).toBeNull();
    const status = await runner.status();
    expect(status).toMatchObject({ parkedSinceStart: 3, checkpoint: head });
  });

  it('a replay from 0 after a reset rebuilds the tables the live run built', async () => {
    // Earlier tests built rows with failing wrappers; start from what the real projection makes.
    await resetProjection(h.sql, pollsCatalog);
    const live = run();
    await live.waitForPosition(await lastAppended(h.sql));
    // Then events arrive one by one while the runner tails the log.
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const voter = await castBallot(h.store, pollId);
    await changeBallot(h.store, pollId, voter.ballotId, voter.voterKey);
    const flag = await flagBallot(h.store, pollId, voter.ballotId, voter.voterKey);
    await reviewFlag(h.store, pollId, voter.ballotId, voter.voterKey, flag.flagId);
    await closePoll(h.store, pollId);
    const { position: head } = await castBallot(h.store, pollId);
    await live.waitForPosition(head);
    await live.stop();
    const before = await dumpCatalog(h.sql);
    expect(before.length).toBeGreaterThan(40);

    await resetProjection(h.sql, pollsCatalog);
    expect(await dumpCatalog(h.sql)).toEqual([]);
    expect(await checkpointOf(h.sql, 'polls-catalog')).toBe(0n);
    expect(await parked()).toEqual([]);
    const replay = run(pollsCatalog, 4); // small batches: many transactions, same result
    await replay.waitForPosition(head);
    expect(await dumpCatalog(h.sql)).toEqual(before);
  });
});

describe('runs of casts and flags', () => {
  it('a batch of casts each followed by its flag writes exactly the rows one event at a time writes', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const flagIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const voter = await castBallot(h.store, pollId);
      flagIds.push((await flagBallot(h.store, pollId, voter.ballotId, voter.voterKey)).flagId);
    }
    const head = await lastAppended(h.sql);
    await resetProjection(h.sql, pollsCatalog);
    const oneByOne = run(pollsCatalog, 1);
    await oneByOne.waitForPosition(head);
    await oneByOne.stop();
    const expected = await dumpCatalog(h.sql);

    await resetProjection(h.sql, pollsCatalog);
    const inRuns = run(pollsCatalog); // one batch: C F C F ... applied as one run of casts and one of flags
    await inRuns.waitForPosition(head);
    expect(await dumpCatalog(h.sql)).toEqual(expected);
    const flags = await Promise.all(flagIds.map((id) => findFlag(h.sql, id)));
    expect(flags.map((f) => [f?.pollId, f?.status, f?.reasons])).toEqual(flagIds.map(() => [pollId, 'pending', ['velocity']]));
    expect((await getPoll(h.sql, pollId))?.ballots).toBe(6);
  });
});

describe('runs of changes', () => {
  const analyticsDump = async (pollId: string) => {
    const rowsOf = sql.type(z.object({ row: z.string() }));
    const tables = ['analytics_polls', 'analytics_ballots', 'analytics_breakdowns', 'analytics_series'];
    const rows = await Promise.all(tables.map((t) => h.sql.any(rowsOf`SELECT to_jsonb(x)::text AS row FROM ${sql.identifier(['read', t])} x WHERE poll_id = ${pollId} ORDER BY 1`)));
    return rows.flat().map((r) => r.row);
  };

  // One batch: C(a) C(b) C Ch(a) Ch(b) Ch(a again) C(d) Ch(d), d's change right after its cast:
  // the runs must write what the events write one at a time (which change of a is kept:
  // cast-runs.unit.spec.ts; an UPDATE joining two changes of one row keeps either, by the plan).
  it('casts and changes in one batch, a ballot changed twice among them, write exactly the rows one event at a time writes', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const [a, b] = [await castBallot(h.store, pollId), await castBallot(h.store, pollId)];
    await castBallot(h.store, pollId);
    const rating = (n: number) => [{ questionId: 'q-rating', rating: n }];
    await changeBallot(h.store, pollId, a.ballotId, a.voterKey, { to: rating(1), changedAt: '2030-01-01T13:00:00.000Z' });
    await changeBallot(h.store, pollId, b.ballotId, b.voterKey, { to: answers().slice(1), changedAt: '2030-01-01T13:01:00.000Z' });
    await changeBallot(h.store, pollId, a.ballotId, a.voterKey, { from: rating(1), to: answers().slice(0, 3), changedAt: '2030-01-01T13:02:00.000Z' });
    const d = await castBallot(h.store, pollId);
    const head = (await changeBallot(h.store, pollId, d.ballotId, d.voterKey, { to: rating(5), changedAt: '2030-01-01T13:03:00.000Z' })).position;

    const replay = async (batchSize?: number) => {
      await resetProjection(h.sql, pollsCatalog);
      await resetProjection(h.sql, analytics);
      const runners = [run(pollsCatalog, batchSize), run(analytics, batchSize)];
      await Promise.all(runners.map((r) => r.waitForPosition(head)));
      await Promise.all(runners.map((r) => r.stop()));
      return { catalog: await dumpCatalog(h.sql), analytics: await analyticsDump(pollId) };
    };
    const oneByOne = await replay(1);
    const inRuns = await replay();
    expect(inRuns).toEqual(oneByOne);

    const ballot = await findBallot(h.sql, pollId, a.ballotId);
    expect([ballot?.answers, ballot?.changedAt]).toEqual([answers().slice(0, 3), '2030-01-01T13:02:00.000Z']);
    // answered: a 3, b 3, the unchanged ballot 4, d 1: 11 of 16
    expect(await getAnalytics(h.sql, pollId)).toMatchObject({ totalBallots: 4, uniqueVoters: 4, completionRate: 0.6875 });
  });
});

describe('ProjectionRunner with projections run together', () => {
  const together = (projections: PostgresProjection[], batchSize?: number) => {
    const runner = new ProjectionRunner({ store: h.store, sql: h.sql, logger: silentLogger, projections, ...fastRunner, ...(batchSize ? { batchSize } : {}) });
    runner.start();
    running.push(runner);
    return runner;
  };

  it('commits every projection of a batch in one transaction: a failure of the last leaves no row and no checkpoint of the first', async () => {
    const { pollId, position } = await createPoll(h.store);
    const [event] = await h.store.readStream(pollStream(pollId));
    const target = (projection: PostgresProjection) => ({ sql: h.sql, projection, name: projection.name, includes: () => true });
    const crashingResults: PostgresProjection = { ...results, handle: async (events, tx) => { await results.handle(events, tx); throw connectionLost(); } };
    const before = await Promise.all([checkpointOf(h.sql, 'polls-catalog'), checkpointOf(h.sql, 'results')]);
    await expect(applyTogether([target(pollsCatalog), target(crashingResults)], [event!], position)).rejects.toThrow('simulated crash');
    expect(await getPoll(h.sql, pollId)).toBeNull();
    expect(await getResults(h.sql, pollId)).toBeNull();
    expect(await Promise.all([checkpointOf(h.sql, 'polls-catalog'), checkpointOf(h.sql, 'results')])).toEqual(before);
  });

  it('an event one projection cannot apply is parked for that projection alone; the others apply it, and each checkpoint reaches the head', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const ballots = await Promise.all([castBallot(h.store, pollId), castBallot(h.store, pollId), castBallot(h.store, pollId)]);
    const poisonId = ballots[1]!.ballotId;
    const catalogRefusingOne = failing((events) =>
      events.some((e) => (e as unknown as { data: { ballotId?: string } }).data.ballotId === poisonId) ? new TypeError('cannot read this ballot') : undefined,
    );
    const head = await lastAppended(h.sql);
    const parkedBefore = (await parked()).length;
    const runner = together([catalogRefusingOne, results]);
    await runner.waitForPosition(head);

    expect((await parked()).slice(parkedBefore).map((r) => [r.projection, r.type, r.position])).toEqual([['polls-catalog', 'BallotCast', ballots[1]!.position]]);
    expect(await ballotRows(pollId)).toBe(2);
    expect((await getResults(h.sql, pollId))?.totalBallots).toBe(3);
    expect(await Promise.all([checkpointOf(h.sql, 'polls-catalog'), checkpointOf(h.sql, 'results')])).toEqual([head, head]);
    const statuses = await runner.statuses();
    expect(statuses.map((s) => [s.name, s.parkedSinceStart])).toEqual([['polls-catalog', 1], ['results', 0]]);
  });

  it('two runners of the same projections run together (a deploy overlap) apply every event once, and never deadlock on the checkpoints', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const [a, b] = [together([pollsCatalog, results], 2), together([results, pollsCatalog], 2)];
    const casts = await Promise.all(Array.from({ length: 30 }, () => castBallot(h.store, pollId)));
    const head = casts.reduce((max, c) => (c.position > max ? c.position : max), 0n);
    await Promise.all([a!.waitForPosition(head), b!.waitForPosition(head)]);
    expect(await ballotRows(pollId)).toBe(30);
    expect((await getPoll(h.sql, pollId))?.ballots).toBe(30);
    expect((await getResults(h.sql, pollId))?.totalBallots).toBe(30);
    // A deadlock would have failed a batch and restarted the runner, leaving its last error.
    expect([...(await a!.statuses()), ...(await b!.statuses())].map((s) => s.lastError)).toEqual([null, null, null, null]);
  });

  it('refuses projections of different categories: one subscription could not feed them both', () => {
    expect(() => new ProjectionRunner({ store: h.store, sql: h.sql, logger: silentLogger, projections: [pollsCatalog, { ...results, categories: ['user'] }] }))
      .toThrow('must read the same categories');
  });
});
