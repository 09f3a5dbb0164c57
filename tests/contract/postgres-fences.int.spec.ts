import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/shared/errors.ts';
import { FencedOutError } from '../../src/event-store/errors.ts';
import type { AppendResult } from '../../src/event-store/port.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { event, events, freshCategory } from './helpers.ts';

/**
 * Fenced appends (src/event-store/port.ts, AppendOptions; migrations/022_append_fences.sql and
 * 023_fences_ignoring.sql): what
 * the ballot path relies on for "no ballot accepted after its poll closed". Two stores stand for
 * two processes; the attack is a close racing hundreds of ballots.
 */
let db: TestDatabase;
const fenceCategory = freshCategory();
let a: PostgresEventStore;
let b: PostgresEventStore;
beforeAll(async () => {
  db = await createTestDatabase();
  a = new PostgresEventStore({ connectionString: db.url, fenceCategories: [fenceCategory] });
  b = new PostgresEventStore({ connectionString: db.url, fenceCategories: [fenceCategory] });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const outcome = (appended: Promise<AppendResult>) =>
  appended.then(
    (result) => ({ ok: result }) as const,
    (error: unknown) => ({ error }) as const,
  );

/**
 * The outcome of ballots `${ballots}-<i>` racing a close at `closedAt`: every accepted one lies
 * before it, every refused one was fenced out and wrote nothing, and the race was a race (the
 * close landed between ballots).
 */
async function expectAllBeforeTheClose(results: readonly Awaited<ReturnType<typeof outcome>>[], closedAt: bigint, ballots: string) {
  const accepted = results.flatMap((r) => ('ok' in r ? [r.ok.position] : []));
  const refused = results.flatMap((r, i) => ('error' in r ? [{ i, error: r.error }] : []));
  expect(accepted.length + refused.length).toBe(results.length);
  for (const position of accepted) expect(position).toBeLessThan(closedAt);
  for (const { i, error } of refused) {
    expect(error).toBeInstanceOf(FencedOutError);
    expect(await a.readStream(`${ballots}-${i}`)).toEqual([]);
  }
  expect(accepted.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
}

describe('fenced appends (postgres)', () => {
  it('write while the fence stream is at the revision given, and write nothing once it moved', async () => {
    const fence = `${fenceCategory}-${randomUUID()}`;
    const other = freshCategory();
    await a.append(fence, [event()], 'no_stream');
    const first = await a.append(`${other}-1`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n } });
    expect(first.nextExpectedRevision).toBe(0n);
    await b.append(fence, [event()], 0n);
    const refused = await outcome(a.append(`${other}-2`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n } }));
    expect('error' in refused && refused.error).toBeInstanceOf(FencedOutError);
    expect(refused).toMatchObject({ error: { code: 'stream.fenced-out', actual: 1n } });
    expect(await a.readStream(`${other}-2`)).toEqual([]);
    // A stream that does not exist yet is at revision -1.
    const unborn = `${fenceCategory}-${randomUUID()}`;
    await a.append(`${other}-3`, [event()], 'no_stream', { fence: { stream: unborn, revision: -1n } });
    expect(await a.readStream(`${other}-3`)).toHaveLength(1);
  });

  it('let events of the types a fence ignores pass, and still refuse on any other after its revision', async () => {
    const fence = `${fenceCategory}-${randomUUID()}`;
    const other = freshCategory();
    const ignoring = ['MilestoneReached', 'VoteTokensIssued'];
    await a.append(fence, [event('PollOpened')], 'no_stream');
    // Decided at revision 0; a milestone and an issuance land on the fence stream meanwhile.
    await b.append(fence, [event('MilestoneReached'), event('VoteTokensIssued')], 0n);
    const passed = await a.append(`${other}-1`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n, ignoring } });
    expect(passed.nextExpectedRevision).toBe(0n);
    // Without the list, the same fence is broken by them, as before.
    const strict = await outcome(a.append(`${other}-2`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n } }));
    expect(strict).toMatchObject({ error: { code: 'stream.fenced-out' } });
    // The attack: a close hidden behind ignorable events. Anything after the revision but those types breaks it.
    await b.append(fence, [event('PollClosed'), event('MilestoneReached')], 2n);
    const refused = await outcome(a.append(`${other}-3`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n, ignoring } }));
    expect('error' in refused && refused.error).toBeInstanceOf(FencedOutError);
    expect(await a.readStream(`${other}-3`)).toEqual([]);
    // A fence ahead of its stream holds nothing.
    const ahead = await outcome(a.append(`${other}-4`, [event()], 'no_stream', { fence: { stream: fence, revision: 9n, ignoring } }));
    expect(ahead).toMatchObject({ error: { code: 'stream.fenced-out' } });
    // Type names travel joined by commas: one that holds a comma is refused before anything is queued.
    const comma = await outcome(a.append(`${other}-5`, [event()], 'no_stream', { fence: { stream: fence, revision: 0n, ignoring: ['A,PollClosed'] } }));
    expect(comma).toMatchObject({ error: { code: 'event-store.invalid-fence' } });
  });

  it("022's four-argument function (a node of the previous release, mid-deploy) still lets nothing pass", async () => {
    const fence = `${fenceCategory}-${randomUUID()}`;
    await a.append(fence, [event('PollOpened')], 'no_stream');
    await a.append(fence, [event('MilestoneReached')], 0n);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const check = (revision: number) =>
        client.query<{ ok: boolean[] }>('SELECT pollster_append_fences($1::text[], $2::text[], $3::text[], $4::bigint[]) AS ok', [[], ['x-1'], [fence], [revision]]);
      await client.query('BEGIN');
      expect((await check(0)).rows[0]!.ok).toEqual([false]); // moved on by a milestone: broken, as under 022
      expect((await check(1)).rows[0]!.ok).toEqual([true]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('in one batch, an event on a fence stream breaks the fence of the events after it, not of those before it (each fence checked once)', async () => {
    const [f, g, unborn] = [`${fenceCategory}-${randomUUID()}`, `${fenceCategory}-${randomUUID()}`, `${fenceCategory}-${randomUUID()}`];
    await a.append(f, [event('PollOpened')], 'no_stream');
    await a.append(g, [event('PollOpened')], 'no_stream');
    await a.append(g, [event('MilestoneReached')], 0n);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const check = (streams: string[], fences: [string, number, string][]) =>
        client.query<{ ok: boolean[] }>('SELECT pollster_append_fences($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS ok', [
          [...new Set(streams.filter((s) => s.startsWith(fenceCategory)))], streams, fences.map((x) => x[0]), fences.map((x) => x[1]), fences.map((x) => x[2]),
        ]);
      await client.query('BEGIN');
      // Ballots on f and g, a close of f in the middle of the batch, ballots on f and g after it.
      const { rows } = await check(
        ['b-1', 'b-2', f, 'b-3', 'b-4', 'b-5', 'b-6', 'b-7'],
        [[f, 0, ''], [g, 0, 'MilestoneReached'], ['', 0, ''], [f, 0, ''], [g, 0, 'MilestoneReached'], [g, 0, ''], [f, 1, ''], [unborn, -1, '']],
      );
      // b-3: after the close of f in the batch; b-5: g moved on by a milestone it does not ignore;
      // b-6: f at revision 1, ahead of its stream (and after the close); b-7: a stream not born yet is at -1.
      expect(rows[0]!.ok).toEqual([true, true, true, false, true, false, false, true]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('refuse a fence on a stream whose category was not declared a fence, before anything is queued', async () => {
    const refused = await outcome(a.append(`${freshCategory()}-x`, [event()], 'no_stream', { fence: { stream: `${freshCategory()}-f`, revision: 0n } }));
    expect('error' in refused && refused.error).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ error: { code: 'event-store.not-a-fence' } });
  });

  it('a close racing 300 fenced ballots that ignore milestones, with milestones written all along: every ballot accepted lies before the close', async () => {
    const poll = `${fenceCategory}-${randomUUID()}`;
    const ballots = freshCategory();
    await a.append(poll, [event('PollOpened')], 'no_stream');
    const fence = { stream: poll, revision: 0n, ignoring: ['MilestoneReached'] };
    const cast = Array.from({ length: 300 }, (_, i) =>
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 60)));
        return outcome(a.append(`${ballots}-${i}`, [event()], 'no_stream', { fence }));
      })(),
    );
    // Milestones from the other process while ballots come in, then the close, then more milestones.
    let revision = 0n;
    for (let m = 0; m < 3; m++) {
      await new Promise((resolve) => setTimeout(resolve, 8));
      revision = (await b.append(poll, [event('MilestoneReached')], revision)).nextExpectedRevision;
    }
    const closed = await b.append(poll, [event('PollClosed')], revision);
    await b.append(poll, [event('MilestoneReached')], closed.nextExpectedRevision);
    await expectAllBeforeTheClose(await Promise.all(cast), closed.position, ballots);
  }, 30_000);

  for (const [closer, size] of [['the other process', 1], ['the same process', 1], ['the other process', 2]] as const) {
    // Two events an append (a ballot and its flag): each append whole in one plain INSERT, fences included.
    it(`a close racing 300 fenced ballots of ${size} event(s) from ${closer}: every ballot accepted lies before the close in the log, every one refused wrote nothing`, async () => {
      const poll = `${fenceCategory}-${randomUUID()}`;
      const ballots = freshCategory();
      await a.append(poll, [event()], 'no_stream');
      const cast = Array.from({ length: 300 }, (_, i) =>
        (async () => {
          // Spread over the close: some well before, most around it, some after.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 60)));
          return outcome(a.append(`${ballots}-${i}`, events(size), 'no_stream', { fence: { stream: poll, revision: 0n } }));
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 25));
      const closed = await (closer === 'the same process' ? a : b).append(poll, [event()], 0n);
      await expectAllBeforeTheClose(await Promise.all(cast), closed.position, ballots);
    }, 30_000);
  }
});
