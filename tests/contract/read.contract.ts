import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/port.ts';
import { event, events, freshCategory, readAllOf, sleep } from './helpers.ts';

/** readStream, readAll (paging, categories), readAllHeads, headPosition. */
export function readContract(store: () => EventStore): void {
  describe('read', () => {
    it('readStream reads from a revision, up to maxCount, and [] for a missing stream', async () => {
      const stream = `${freshCategory()}-r`;
      const written = events(5);
      await store().append(stream, written, 'no_stream');
      const all = await store().readStream(stream);
      expect(all.map((e) => e.id)).toEqual(written.map((e) => e.id));
      expect(all[0]).toMatchObject({ stream, revision: 0n, type: 'Tested', data: { n: 0 } });
      expect(all[0]?.metadata).toMatchObject(written[0]!.metadata!);
      expect(all[0]?.recordedAt).toBeInstanceOf(Date);
      expect((await store().readStream(stream, { fromRevision: 3n })).map((e) => e.revision)).toEqual([3n, 4n]);
      expect((await store().readStream(stream, { fromRevision: 1n, maxCount: 2 })).map((e) => e.revision)).toEqual([1n, 2n]);
      expect(await store().readStream(stream, { fromRevision: 9n })).toEqual([]);
      expect(await store().readStream(`${freshCategory()}-missing`)).toEqual([]);
    });

    it('readAll pages through $all in position order, filtered by category', async () => {
      const [a, b, c] = [freshCategory(), freshCategory(), freshCategory()];
      // Interleaved so that a filtered read has to skip the other categories.
      for (let i = 0; i < 4; i++) {
        await store().append(`${a}-${i}`, events(2), 'no_stream');
        await store().append(`${b}-${i}`, [event()], 'no_stream');
        await store().append(`${c}-${i}`, [event()], 'no_stream');
      }
      const pages: number[] = [];
      const seen = [];
      let from = 0n;
      for (;;) {
        const page = await store().readAll({ from, limit: 3, categories: [a] });
        pages.push(page.events.length);
        seen.push(...page.events);
        expect(page.next).toBeGreaterThanOrEqual(page.events.at(-1)?.position ?? from);
        if (page.events.length < 3) break;
        from = page.next;
      }
      expect(pages).toEqual([3, 3, 2]);
      expect(seen.every((e) => e.stream.startsWith(`${a}-`))).toBe(true);
      const positions = seen.map((e) => e.position);
      expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
      const two = await readAllOf(store(), [a, c], 5);
      expect(two).toHaveLength(12);
      expect(new Set(two.map((e) => e.stream.split('-')[0]))).toEqual(new Set([a, c]));
      // Unfiltered, $all holds at least all of them, still in position order.
      const last = seen.at(-1)!.position;
      // From 0n: a position the store did not hand out may be refused (KurrentDB rejects mid-record positions).
      const unfiltered = await store().readAll({ from: 0n, limit: 100_000 });
      expect(unfiltered.events.filter((e) => e.position <= last).length).toBeGreaterThanOrEqual(12);
    });

    it('readAll filtered by stream prefixes returns exactly those streams, in position order, literally matched', async () => {
      // One poll's streams (`<a>-<id>` and `<b>-<id>-*`) among look-alikes that share a longer or a wildcard-ish name.
      const [a, b] = [freshCategory(), freshCategory()];
      const id = `p_1%${freshCategory()}`;
      const mine: string[] = [];
      const append = async (stream: string, count: number, keep: boolean) => {
        const written = events(count);
        await store().append(stream, written, 'any');
        if (keep) mine.push(...written.map((e) => e.id));
      };
      await append(`${a}-${id}`, 1, true);
      await append(`${b}-${id}-v1`, 2, true);
      await append(`${a}-${id}x`, 1, false); // `<a>-<id>` is a prefix of it: a caller wanting exactness filters it
      await append(`${b}-${id.replace('_', 'Z').replace('%', 'Q')}-v1`, 1, false); // `_` and `%` are not wildcards
      await append(`${b}-other-v1`, 1, false);
      await append(`${b}-${id}-v2`, 1, true);
      await append(`${a}-${id}`, 1, true);
      const prefixes = [`${a}-${id}`, `${b}-${id}-`];
      const read = [];
      let from = 0n;
      for (;;) {
        const page = await store().readAll({ from, limit: 2, streamPrefixes: prefixes });
        read.push(...page.events);
        if (page.events.length < 2) break;
        from = page.next;
      }
      const exact = read.filter((e) => e.stream !== `${a}-${id}x`);
      expect(exact.map((e) => e.id)).toEqual(mine);
      expect(read.every((e) => prefixes.some((p) => e.stream.startsWith(p)))).toBe(true);
      const positions = read.map((e) => e.position);
      expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
      // With a category as well, both filters apply.
      const onlyB = await store().readAll({ from: 0n, limit: 100, streamPrefixes: prefixes, categories: [b] });
      expect(onlyB.events.map((e) => e.stream)).toEqual([`${b}-${id}-v1`, `${b}-${id}-v1`, `${b}-${id}-v2`]);
    });

    it('readAllHeads returns the page readAll would, each event without its content, under both filters', async () => {
      const [a, b] = [freshCategory(), freshCategory()];
      for (let i = 0; i < 3; i++) {
        await store().append(`${a}-${i}`, events(2), 'no_stream');
        await store().append(`${b}-${i}`, [event()], 'no_stream');
      }
      for (const filter of [{ categories: [a] }, { streamPrefixes: [`${a}-1`, `${b}-2`] }, { categories: [b], streamPrefixes: [`${b}-0`] }]) {
        let from = 0n;
        for (;;) {
          const [whole, heads] = [await store().readAll({ from, limit: 2, ...filter }), await store().readAllHeads({ from, limit: 2, ...filter })];
          // A full page ends at its last event; a short one at the log's readable end, which other
          // writers in the cluster move between the two reads.
          if (whole.events.length === 2) expect(heads.next).toBe(whole.next);
          else expect(heads.next).toBeGreaterThanOrEqual(heads.events.at(-1)?.position ?? from);
          expect(heads.events).toEqual(whole.events.map(({ stream, revision, position, type, recordedAt, hash }) => ({ stream, revision, position, type, recordedAt, ...(hash === undefined ? {} : { hash }) })));
          for (const head of heads.events) expect(Object.keys(head)).not.toContain('data');
          if (whole.events.length < 2) break;
          from = whole.next;
        }
      }
    });

    it('headPosition reaches the position of the last append', async () => {
      const { position } = await store().append(`${freshCategory()}-h`, [event()], 'no_stream');
      const deadline = Date.now() + 5000;
      while ((await store().headPosition()) < position && Date.now() < deadline) await sleep(10);
      expect(await store().headPosition()).toBeGreaterThanOrEqual(position);
    });
  });
}
