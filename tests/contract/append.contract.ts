import { describe, expect, it } from 'vitest';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../../src/event-store/errors.ts';
import type { AppendResult, EventStore } from '../../src/event-store/port.ts';
import { event, events, freshCategory, readAllOf } from './helpers.ts';

function outcomes(settled: PromiseSettledResult<AppendResult>[]) {
  const ok = settled.filter((s) => s.status === 'fulfilled');
  const failed = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason as unknown);
  return { ok, failed };
}

/** append: expected revisions, races, idempotency. */
export function appendContract(store: () => EventStore): void {
  describe('append', () => {
    it('no_stream starts a stream at revision 0 and `any` appends in sequence', async () => {
      const stream = `${freshCategory()}-a`;
      const first = await store().append(stream, events(2), 'no_stream');
      expect(first.nextExpectedRevision).toBe(1n);
      let previous = first.position;
      for (let i = 0; i < 3; i++) {
        const r = await store().append(stream, [event()], 'any');
        expect(r.nextExpectedRevision).toBe(BigInt(2 + i));
        expect(r.position).toBeGreaterThan(previous);
        previous = r.position;
      }
      const read = await store().readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      expect(read.at(-1)?.position).toBe(previous);
    });

    it('data and metadata come back exactly as appended, whatever characters they hold', async () => {
      const category = freshCategory();
      const awkward = [
        { quote: 'say "hi"', backslash: 'C:\\path\\', brackets: '[1,2]', braces: '{"a":1}' },
        { unicode: 'zażółć gęślą jaźń ✓ 🗳️', control: 'tab\there\nnewline\u0001', empty: '' },
        { nested: [[], {}, [null, true, false, 0, -1.5e-7, 12345678901234]], deep: { a: { b: { c: ['x'] } } } },
        'a bare string',
        [1, 'two', { three: 3 }],
        null,
      ];
      // Concurrent, so they share group-commit batches; one multi-event append among them.
      await Promise.all([
        ...awkward.map((data, i) => store().append(`${category}-${i}`, [event('Awkward', data)], 'no_stream')),
        store().append(`${category}-multi`, awkward.map((data) => event('Awkward', data)), 'no_stream'),
      ]);
      for (const [i, data] of awkward.entries()) expect((await store().readStream(`${category}-${i}`))[0]?.data).toEqual(data);
      expect((await store().readStream(`${category}-multi`)).map((e) => e.data)).toEqual(awkward);
      const metadata = { correlationId: 'c "1" \\ ✓', actor: 'user:ż', extra: [1, { x: null }] };
      const appended = { ...event('Awkward'), metadata };
      await store().append(`${category}-meta`, [appended], 'no_stream');
      expect((await store().readStream(`${category}-meta`))[0]?.metadata).toEqual(metadata);
    });

    it('50 concurrent no_stream appends to one stream: exactly one wins', async () => {
      const stream = `${freshCategory()}-race`;
      const settled = await Promise.allSettled(Array.from({ length: 50 }, () => store().append(stream, [event()], 'no_stream')));
      const { ok, failed } = outcomes(settled);
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(49);
      for (const f of failed) expect(f).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store().readStream(stream)).toHaveLength(1);
    });

    it('20 concurrent appends with the same exact expected revision: exactly one wins', async () => {
      const stream = `${freshCategory()}-race`;
      await store().append(stream, events(3), 'no_stream');
      const settled = await Promise.allSettled(Array.from({ length: 20 }, () => store().append(stream, events(2), 2n)));
      const { ok, failed } = outcomes(settled);
      expect(ok).toHaveLength(1);
      expect(failed.every((f) => f instanceof WrongExpectedRevisionError)).toBe(true);
      expect((await store().readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it('20 concurrent `any` appends to one stream all succeed at distinct revisions', async () => {
      const stream = `${freshCategory()}-any`;
      const results = await Promise.all(Array.from({ length: 20 }, () => store().append(stream, [event()], 'any')));
      expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(20);
      expect((await store().readStream(stream)).map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    });

    it('stream_exists fails on a missing stream and passes on an existing one', async () => {
      const stream = `${freshCategory()}-x`;
      await expect(store().append(stream, [event()], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store().readStream(stream)).toEqual([]);
      await store().append(stream, [event()], 'no_stream');
      expect((await store().append(stream, [event()], 'stream_exists')).nextExpectedRevision).toBe(1n);
    });

    it('a wrong exact revision fails and reports the actual one', async () => {
      const stream = `${freshCategory()}-x`;
      await expect(store().append(stream, [event()], 0n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await store().append(stream, events(2), 'no_stream');
      const error = await store().append(stream, [event()], 5n).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toBe(1n);
      expect((await store().append(stream, [event()], 1n)).nextExpectedRevision).toBe(2n);
    });

    it('re-appending the same event ids returns the earlier result and writes nothing', async () => {
      const category = freshCategory();
      const stream = `${category}-idem`;
      const batch = events(3);
      const first = await store().append(stream, batch, 'no_stream');
      await store().append(stream, [event()], 'any');
      const countStream = (await store().readStream(stream)).length;
      const countAll = (await readAllOf(store(), [category])).length;
      // Same ids again, with an expected revision that no longer holds: still the earlier result.
      expect(await store().append(stream, batch, 'no_stream')).toEqual(first);
      const again = await Promise.all(Array.from({ length: 5 }, () => store().append(stream, batch, 'any')));
      for (const r of again) expect(r).toEqual(first);
      expect(await store().readStream(stream)).toHaveLength(countStream);
      expect(await readAllOf(store(), [category])).toHaveLength(countAll);
    });

    // (Ids already used in another stream: a postgres-only guarantee, KurrentDB checks ids per stream.)
    it('ids of which only some are already stored are a DuplicateEventIdError', async () => {
      const category = freshCategory();
      const batch = events(2);
      await store().append(`${category}-one`, batch, 'no_stream');
      await expect(store().append(`${category}-one`, [batch[1]!, event()], 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await readAllOf(store(), [category])).toHaveLength(2);
    });

    it('200 concurrent appends to distinct streams all succeed at distinct positions', async () => {
      const category = freshCategory();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store().append(`${category}-s${i}`, [event()], 'no_stream')),
      );
      expect(new Set(results.map((r) => r.position)).size).toBe(200);
      const all = await readAllOf(store(), [category]);
      expect(all.map((e) => e.position).sort((a, b) => (a < b ? -1 : 1))).toEqual(
        results.map((r) => r.position).sort((a, b) => (a < b ? -1 : 1)),
      );
    });

    it('concurrent mixed appends: only the conflicting ones fail', async () => {
      const category = freshCategory();
      const existing = Array.from({ length: 30 }, (_, i) => `${category}-old${i}`);
      await Promise.all(existing.map((s) => store().append(s, [event()], 'no_stream')));
      const good = [
        ...existing.map((s) => store().append(s, [event()], 0n)), // right revision
        ...Array.from({ length: 30 }, (_, i) => store().append(`${category}-new${i}`, events(2), 'no_stream')),
      ];
      const bad = [
        ...existing.map((s) => store().append(s, [event()], 'no_stream')), // exists already
        ...Array.from({ length: 30 }, (_, i) => store().append(`${category}-missing${i}`, [event()], 'stream_exists')),
      ];
      const [goodSettled, badSettled] = await Promise.all([Promise.allSettled(good), Promise.allSettled(bad)]);
      const badOutcome = outcomes(badSettled);
      expect(badOutcome.ok).toHaveLength(0);
      for (const f of badOutcome.failed) expect(f).toBeInstanceOf(WrongExpectedRevisionError);
      const goodOutcome = outcomes(goodSettled);
      expect(goodOutcome.failed.filter((f) => !(f instanceof WrongExpectedRevisionError))).toEqual([]);
      expect(goodOutcome.ok.length).toBe(60);
      expect(await readAllOf(store(), [category])).toHaveLength(30 + 30 + 60);
    });
  });
}
