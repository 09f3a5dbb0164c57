import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tally } from '../../src/domain/results/tally.ts';
import {
  getResults, type Projections, readPollEvents, resetProjection, results, resultsAt, startProjections,
} from '../../src/projections/index.ts';
import {
  cast, change, closed, created, flag, multi, opened, ranked, rating, review, single,
} from '../../src/testing/results-fixtures.ts';
import { useSchema } from '../../src/projections/runner/search-path.ts';
import { fastRunner, type Harness, lastAppended, openHarness, silentLogger } from './harness.ts';
import { appendAll, asLogged } from './results-log.ts';

/** Given events appended through the real store, the `results` projection writes exactly these rows. */
let h: Harness;
let projections: Projections;

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: fastRunner, projections: [results] });
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

const rows = z.object({ row: z.string() });
async function dump(pollId: string | null): Promise<string[]> {
  const tables = ['result_polls', 'result_ballots', 'result_questions', 'result_options', 'result_ratings', 'result_ranking_counts'];
  const out: string[] = [];
  for (const table of tables) {
    const found = await h.sql.any(sql.type(rows)`
      SELECT (to_jsonb(t) - 'questions')::text AS row FROM ${sql.identifier(['read', table])} t
      WHERE ${pollId}::text IS NULL OR t.poll_id = ${pollId}::text ORDER BY 1`);
    out.push(...found.map((r) => `${table} ${r.row}`));
  }
  return out;
}

describe('results projection', () => {
  it('keeps exactly what counts: close cutoff, changes, rejects and upholds, pending flags', async () => {
    const p = randomUUID();
    const [b1, b2, late] = [`${p}-b1`, `${p}-b2`, `${p}-late`];
    await appendAll(h.store, [created(p), opened(p)]);
    const position = await appendAll(h.store, [
      cast(b1, [single('o-pizza'), multi('o-mon', 'o-tue'), ranked('o-c', 'o-a'), rating(4)], p),
      cast(b2, [single('o-sushi'), ranked('o-b'), rating(2)], p),
      change(b1, [single('o-sushi'), ranked('o-a')], p), // moves every vote of b1
      flag(b2, 'f1', p),
      flag(b1, 'f2', p),
      review(b1, 'f2', 'uphold', p), // changes nothing
      closed(p),
      cast(late, [single('o-pizza')], p), // after the close: never counts
      change(b2, [single('o-pizza')], p), // after the close: ignored
      flag(b2, 'f3', p),
      review(b2, 'f1', 'reject', p), // reviews after the close still apply: b2 is out
    ]);
    await projections.waitForPosition(position);

    const dumped = (await dump(p)).map((line) => line.replaceAll(p, 'P'));
    const poll = JSON.parse(dumped[0]!.slice('result_polls '.length));
    expect(poll).toEqual({
      poll_id: 'P', status: 'closed', closed_position: expect.any(Number), total_ballots: 1, flagged_pending: 0, position: Number(position),
    });
    const ballots = dumped.filter((l) => l.startsWith('result_ballots ')).map((l) => JSON.parse(l.slice(15)));
    expect(ballots.map(({ position: _, ...b }) => b)).toEqual([
      { ballot_id: 'P-b1', poll_id: 'P', answers: [single('o-sushi'), ranked('o-a')], rejected: false, pending_flags: [] },
      { ballot_id: 'P-b2', poll_id: 'P', answers: [single('o-sushi'), ranked('o-b'), rating(2)], rejected: true,
        pending_flags: ['f3'] },
      { ballot_id: 'P-late', poll_id: 'P', answers: null, rejected: false, pending_flags: [] },
    ]);
    // Only non-zero counters have rows: every vote b1 and b2 took back is gone.
    expect(dumped.filter((l) => !l.startsWith('result_polls ') && !l.startsWith('result_ballots '))).toEqual([
      'result_questions {"poll_id": "P", "answered": 1, "question_id": "q-ranked"}',
      'result_questions {"poll_id": "P", "answered": 1, "question_id": "q-single"}',
      'result_options {"votes": 1, "poll_id": "P", "option_id": "o-sushi", "question_id": "q-single"}',
      'result_ranking_counts {"ballots": 1, "poll_id": "P", "ranking": ["o-a"], "question_id": "q-ranked"}',
    ]);

    const fromReadModel = await getResults(h.sql, p);
    expect(fromReadModel).toMatchObject({ pollId: p, status: 'closed', totalBallots: 1, flaggedPending: 0, position });
    expect(fromReadModel).toEqual(tally(p, asLogged(await readPollEvents(h.store, p))));
    expect(await getResults(h.sql, randomUUID())).toBeNull();
  });

  it('reports ballots with a pending flag apart while they still count', async () => {
    const p = randomUUID();
    const position = await appendAll(h.store, [
      created(p), opened(p), cast(`${p}-1`, [single('o-pizza')], p), cast(`${p}-2`, [single('o-pizza')], p),
      flag(`${p}-1`, 'f1', p), flag(`${p}-1`, 'f2', p), review(`${p}-1`, 'f1', 'uphold', p),
    ]);
    await projections.waitForPosition(position);
    const got = await getResults(h.sql, p);
    expect(got).toMatchObject({ totalBallots: 2, flaggedPending: 1 });
    expect(got!.questions[0]!.options).toEqual([
      { optionId: 'o-pizza', text: 'Pizza', votes: 2, percentage: 100 },
      { optionId: 'o-sushi', text: 'Sushi', votes: 0, percentage: 0 },
    ]);
  });

  it('applies a batch handed in twice only once (idempotent by position)', async () => {
    const p = randomUUID();
    const position = await appendAll(h.store, [created(p), opened(p), cast(`${p}-1`, [single('o-sushi'), rating(5)], p)]);
    await projections.waitForPosition(position);
    const before = await dump(p);
    const events = await readPollEvents(h.store, p);
    await h.sql.transaction(async (tx) => {
      await useSchema(tx);
      await results.handle(events, tx);
    });
    expect(await dump(p)).toEqual(before);
  });

  it('counts a cast handed in after later events of its poll once (a parked cast replayed), and never twice', async () => {
    const p = randomUUID();
    const position = await appendAll(h.store, [created(p), opened(p), cast(`${p}-1`, [single('o-sushi')], p), cast(`${p}-2`, [single('o-pizza')], p)]);
    await projections.waitForPosition(position);
    const [, , first, second] = await readPollEvents(h.store, p);
    const resultsOf = async () => (await getResults(h.sql, p))!.questions[0]!.options.map((o) => [o.optionId, o.votes]);
    const handle = (batch: Parameters<typeof results.handle>[0]) => h.sql.transaction(async (tx) => {
      await useSchema(tx);
      await results.handle(batch, tx);
    });
    expect(await resultsOf()).toEqual([['o-pizza', 1], ['o-sushi', 1]]);
    // Take the first cast out, as if it had been parked: the poll is already past its position.
    await h.sql.query(sql.unsafe`DELETE FROM read.result_ballots WHERE ballot_id = ${`${p}-1`}`);
    await h.sql.query(sql.unsafe`UPDATE read.result_options SET votes = votes - 1 WHERE poll_id = ${p} AND option_id = 'o-sushi'`);
    await h.sql.query(sql.unsafe`UPDATE read.result_questions SET answered = answered - 1 WHERE poll_id = ${p} AND question_id = 'q-single'`);
    await h.sql.query(sql.unsafe`UPDATE read.result_polls SET total_ballots = total_ballots - 1 WHERE poll_id = ${p}`);
    await handle([first!]);
    expect(await resultsOf()).toEqual([['o-pizza', 1], ['o-sushi', 1]]);
    await handle([first!, second!]); // both again: already counted
    expect(await resultsOf()).toEqual([['o-pizza', 1], ['o-sushi', 1]]);
    expect((await getResults(h.sql, p))!.totalBallots).toBe(2);
  });

  it('resultsAt replays the log up to a position', async () => {
    const p = randomUUID();
    const first = await appendAll(h.store, [created(p), opened(p), cast(`${p}-1`, [single('o-sushi')], p)]);
    const last = await appendAll(h.store, [cast(`${p}-2`, [single('o-pizza')], p), closed(p)]);
    // resultsAt's caller makes sure the log is readable through `at` (the API compares it with
    // the head): readers of `$all` see a commit only once older transactions have ended.
    await projections.waitForPosition(last);
    const then = await resultsAt(h.store, p, first);
    expect(then).toMatchObject({ status: 'active', totalBallots: 1, position: first });
    expect(await resultsAt(h.store, p, 0n)).toBeNull();
  });

  it('rebuilds the same rows when replayed from 0 after a reset', async () => {
    const head = await lastAppended(h.sql);
    await projections.waitForPosition(head);
    const live = await dump(null);
    await projections.stop();
    await resetProjection(h.sql, results);
    expect(await dump(null)).toEqual([]);
    projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: { ...fastRunner, batchSize: 7 }, projections: [results] });
    await projections.waitForPosition(head);
    expect(await dump(null)).toEqual(live);
  });
});
