import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/port.ts';
import { assertOrderedOnce, event, events, freshCategory, tail } from './helpers.ts';

/** subscribeToAll: checkpoints, exactly-once in order, abort, progress, tailing under load. */
export function subscribeContract(store: () => EventStore): void {
  describe('subscribeToAll', () => {
    it('delivers each event after the checkpoint once, in increasing position, and stops on abort', async () => {
      const category = freshCategory();
      const before = await store().append(`${category}-1`, events(5), 'no_stream');
      const after = events(5);
      await store().append(`${category}-1`, after, before.nextExpectedRevision);
      const t = tail(store(), { from: before.position, categories: [category], batchSize: 2 });
      await t.until((got) => got.length >= 5);
      const live = events(3);
      await store().append(`${category}-2`, live, 'no_stream');
      await t.until((got) => got.length >= 8);
      await t.stop(); // resolves only if the iteration ends by itself on abort
      expect(t.events.map((e) => e.id)).toEqual([...after, ...live].map((e) => e.id));
      assertOrderedOnce(t.events);
      await store().append(`${category}-2`, [event()], 'any');
      expect(t.events).toHaveLength(8);
    });

    it('reports progress past events of other categories', async () => {
      const category = freshCategory();
      const { position } = await store().append(`${freshCategory()}-other`, [event()], 'no_stream');
      const controller = new AbortController();
      let through = -1n;
      const run = (async () => {
        const pages = store().subscribeToAll({
          from: 0n,
          categories: [category],
          signal: controller.signal,
          onProgress: (p) => {
            through = p;
            if (p >= position) controller.abort();
          },
        });
        for await (const page of pages) expect(page).toEqual([]);
      })();
      const timer = setTimeout(() => controller.abort(), 10_000);
      await run;
      clearTimeout(timer);
      expect(through).toBeGreaterThanOrEqual(position);
    });

    it('a tailing reader sees every event of 16 concurrent writers exactly once, in order', async () => {
      const category = freshCategory();
      const t = tail(store(), { from: 0n, categories: [category], batchSize: 50 });
      const appended = await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          const ids: string[] = [];
          for (let i = 0; i < 25; i++) {
            const e = [event(), event()];
            await store().append(`${category}-w${w}`, e, i === 0 ? 'no_stream' : BigInt(2 * i - 1));
            ids.push(...e.map((x) => x.id));
          }
          return ids;
        }),
      );
      const expected = new Set(appended.flat());
      await t.until((got) => got.length >= expected.size);
      await t.stop();
      assertOrderedOnce(t.events);
      expect(new Set(t.events.map((e) => e.id))).toEqual(expected);
    }, 30_000);
  });
}
