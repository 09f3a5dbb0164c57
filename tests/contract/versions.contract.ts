import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDigest, GENESIS, link } from '../../src/event-store/integrity/chain.ts';
import type { EventStore, EventToAppend, RecordedEvent } from '../../src/event-store/port.ts';
import { freshCategory, readAllOf, tail } from './helpers.ts';

/**
 * Event versions (src/event-store/schema-versions.ts): append stores what it is given,
 * every read (stream, $all, subscription) hands out the current version with the stored form
 * beside it, and the hash is over the stored form.
 */
export function versionsContract(store: () => EventStore): void {
  describe('event versions', () => {
    // A BallotCast as version 1 wrote it: no schemaVersion, no voterKind.
    const v1 = (): EventToAppend => ({
      id: randomUUID(),
      type: 'BallotCast',
      data: { ballotId: randomUUID(), pollId: 'p', voterKey: 't.abc', answers: [], castAt: '2030-01-01T12:00:00.000Z' },
      metadata: { actor: 'anonymous' },
    });
    const v2 = (): EventToAppend => ({ ...v1(), data: { ...(v1().data as object), voterKind: 'token' }, metadata: { actor: 'anonymous', schemaVersion: 2 } });

    const expectCurrent = (e: RecordedEvent | undefined, written: EventToAppend) => {
      expect(e?.data).toEqual({ ...(written.data as object), voterKind: 'token' });
      expect(e?.metadata).toMatchObject({ actor: 'anonymous', schemaVersion: 2 });
    };

    it('reads a stored version-1 event in its current version everywhere, the stored form (what the hash covers) beside it', async () => {
      const category = freshCategory();
      const [old, current] = [v1(), v2()];
      const watching = tail(store(), { from: 0n, categories: [category] });
      await store().append(`${category}-1`, [old], 'no_stream');
      await store().append(`${category}-2`, [current], 'no_stream');
      const [fromStream] = await store().readStream(`${category}-1`);
      const fromAll = await readAllOf(store(), [category]);
      await watching.until((events) => events.length === 2);
      await watching.stop();
      for (const e of [fromStream, fromAll[0], watching.events[0]]) {
        expectCurrent(e, old);
        expect(e?.stored).toEqual({ type: 'BallotCast', data: old.data, metadata: old.metadata });
        const digest = contentDigest({ id: old.id, stream: `${category}-1`, ...e!.stored! });
        if (e?.hash !== undefined) expect(e.hash).toBe(link(GENESIS, 0n, digest).toString('hex'));
      }
      for (const e of [fromAll[1], watching.events[1]]) {
        expectCurrent(e, current);
        expect(e?.stored).toBeUndefined();
      }
    });
  });
}
