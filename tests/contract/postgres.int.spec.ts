import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../../src/event-store/errors.ts';
import { createPool, type ClosablePool } from '../../src/event-store/postgres/pool.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { describeEventStoreContract } from './event-store.contract.ts';
import { assertOrderedOnce, event, events, freshCategory, sleep, tail, untilReadable } from './helpers.ts';
import { beginRaw, naiveReadAll, runRawWriters, type Seen } from './postgres-raw.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describeEventStoreContract('postgres', async () => {
  const store = new PostgresEventStore({ connectionString: db.url });
  return { store, teardown: () => store.close() };
});

describe('postgres event store: commit order and group commit', () => {
  let store: PostgresEventStore;
  let raw: ClosablePool;
  let pool: pg.Pool; // raw connections: writers that hold transactions open, the naive reader
  beforeAll(() => {
    store = new PostgresEventStore({ connectionString: db.url });
    raw = createPool({ connectionString: db.url, max: 24 });
    pool = raw.pool;
  });
  afterAll(async () => {
    await store?.close();
    await raw?.end();
  });

  it('a tailing reader sees every commit of 16 slow raw writers exactly once, in order', async () => {
    const category = freshCategory();
    const t = tail(store, { from: 0n, categories: [category] });
    const committed = await runRawWriters(pool, category, () => t.events);
    await t.until((got) => got.length >= committed.length);
    await t.stop();
    assertOrderedOnce(t.events);
    expect(new Set(t.events.map((e) => e.id))).toEqual(new Set(committed));
  }, 30_000);

  it('the same tail WITHOUT the xmin horizon misses events (why the horizon exists)', async () => {
    const category = freshCategory();
    const seen: Seen[] = [];
    let writing = true;
    const reader = (async () => {
      let settle = 20; // a few more reads after the writers finish: whatever is missed stays missed
      while (writing || settle-- > 0) {
        const page = await naiveReadAll(pool, seen.at(-1)?.position ?? 0n, 500, category);
        seen.push(...page);
        await sleep(2);
      }
    })();
    const committed = await runRawWriters(pool, category, () => seen);
    writing = false;
    await reader;
    const delivered = new Set(seen.map((e) => e.id));
    const missed = committed.filter((id) => !delivered.has(id));
    expect(missed.length).toBeGreaterThan(0);
  }, 30_000);

  it('readAll does not pass a transaction that took its id first and commits last', async () => {
    const category = freshCategory();
    const client = await pool.connect();
    try {
      const early = await beginRaw(client);
      const late = await store.append(`${category}-late`, [event()], 'no_stream');
      expect((await store.readAll({ from: 0n, limit: 10, categories: [category] })).events).toEqual([]);
      const naive = await naiveReadAll(pool, 0n, 10, category); // already sees the later commit...
      expect(naive.map((e) => e.position)).toEqual([late.position]);
      const { position } = await early.insert(`${category}-early`, 0n);
      await early.commit();
      expect(position).toBeLessThan(late.position);
      await untilReadable(store, late.position); // transactions of the test files beside this one hold the horizon too
      const page = await store.readAll({ from: 0n, limit: 10, categories: [category] });
      expect(page.events.map((e) => e.position)).toEqual([position, late.position]);
      expect(await naiveReadAll(pool, late.position, 10, category)).toEqual([]); // ...and never the earlier one
    } finally {
      client.release();
    }
  });

  it('a rolled-back transaction leaves a hole that does not stall readers', async () => {
    const category = freshCategory();
    const client = await pool.connect();
    try {
      const doomed = await beginRaw(client);
      await doomed.insert(`${category}-doomed`, 0n);
      const t = tail(store, { from: 0n, categories: [category] });
      const written = await store.append(`${category}-after`, [event()], 'no_stream');
      await sleep(200);
      expect(t.events).toEqual([]); // held back: the open transaction could still commit below it
      await doomed.rollback();
      const started = Date.now();
      await t.until((got) => got.length === 1, 2000);
      expect(Date.now() - started).toBeLessThan(500);
      await t.stop();
      expect(t.events[0]?.position).toBe(written.position);
    } finally {
      client.release();
    }
  });

  it('event ids are unique across streams: ids already stored in another stream are a DuplicateEventIdError', async () => {
    const category = freshCategory();
    const batch = events(2);
    await store.append(`${category}-one`, batch, 'no_stream');
    await expect(store.append(`${category}-two`, batch, 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
    expect(await store.readStream(`${category}-two`)).toEqual([]);
  });

  it('group commit: concurrent appends share transactions', async () => {
    const category = freshCategory();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(`${category}-${i}`, [event()], 'no_stream')));
    const transactions = new Set(results.map((r) => r.position >> 20n));
    expect(transactions.size).toBeLessThan(50);
  });

  it('group commit: appends submitted together are split evenly among the free flushers', async () => {
    const two = new PostgresEventStore({ connectionString: db.url, flushers: 2 });
    try {
      const category = freshCategory();
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => two.append(`${category}-${i}`, [event()], 'no_stream')));
      const perTransaction = new Map<bigint, number>();
      for (const r of results) perTransaction.set(r.position >> 20n, (perTransaction.get(r.position >> 20n) ?? 0) + 1);
      expect([...perTransaction.values()]).toEqual([32, 32]); // two flushers, half each
    } finally {
      await two.close();
    }
  });

  it('two stores (two processes) racing on the same streams keep every per-stream guarantee', async () => {
    const other = new PostgresEventStore({ connectionString: db.url, flushers: 2 });
    try {
      const category = freshCategory();
      const streams = Array.from({ length: 40 }, (_, i) => `${category}-${i}`);
      const settled = await Promise.allSettled(streams.flatMap((s) => [store.append(s, [event()], 'no_stream'), other.append(s, [event()], 'no_stream')]));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(40);
      expect(settled.every((s) => s.status === 'fulfilled' || s.reason instanceof WrongExpectedRevisionError)).toBe(true);

      const same = events(3);
      const [a, b] = await Promise.all([store.append(`${category}-idem`, same, 'no_stream'), other.append(`${category}-idem`, same, 'no_stream')]);
      expect(a).toEqual(b);

      const any = `${category}-any`;
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).append(any, [event()], 'any')));
      expect((await store.readStream(any)).map((e) => e.revision)).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    } finally {
      await other.close();
    }
  }, 30_000);

  it('an append that loses a race part-way writes none of its events', async () => {
    const stream = `${freshCategory()}-partial`;
    await store.append(stream, events(2), 'no_stream');
    const client = await pool.connect();
    try {
      const rival = await beginRaw(client);
      await rival.insert(stream, 3n); // the append below writes revision 2, then waits on 3
      const append = store.append(stream, events(3), 1n);
      await sleep(100);
      await rival.commit();
      const error = await append.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 3n]);
    } finally {
      client.release();
    }
  });
});
