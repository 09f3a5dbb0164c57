import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { ReadAllResult, RecordedEvent } from '../port.ts';
import { CommitSignal } from './commit-signal.ts';
import { subscribeToAll } from './read.ts';

/**
 * After a page that was not full, a subscription lets events gather before it reads again: what
 * keeps the batches of a consumer that applies them in a moment (`pollster start`'s worker
 * thread) from shrinking to a transaction every few events. With `settleMs` (a loop of its own)
 * counted from the start of the last read, so a consumer slower than that gets no pause on top of
 * its lag; without (the API's loop), a pause after the consumer's work, the API's time on the loop.
 */
const event = (position: number) => ({ position: BigInt(position) }) as RecordedEvent;

async function gapsBetweenReads(settleMs: number | undefined, applyMs = 0): Promise<number[]> {
  const closed = new AbortController();
  const readAt: number[] = [];
  let position = 0;
  const read = async (): Promise<ReadAllResult> => {
    readAt.push(performance.now());
    position++;
    return { events: [event(position)], next: BigInt(position) };
  };
  const batches = subscribeToAll(
    { read, commits: new CommitSignal(), pollIntervalMs: 1_000, ...(settleMs === undefined ? {} : { settleMs }), closed: closed.signal },
    { from: 0n, batchSize: 500 },
  );
  for await (const _ of batches) {
    if (readAt.length === 4) closed.abort();
    // Applying as a busy loop, not a timer: a timer's lateness on a loaded machine would look like a pause.
    for (const began = performance.now(); performance.now() - began < applyMs; );
  }
  return readAt.slice(1).map((at, i) => at - readAt[i]!);
}

describe('a subscription lets events gather after a page that was not full', () => {
  it('for 10 ms by default', async () => {
    for (const gap of await gapsBetweenReads(undefined)) expect(gap).toBeGreaterThanOrEqual(9);
  });

  it('for settleMs when the store is given one, and never for longer than the poll interval', async () => {
    const gaps = await gapsBetweenReads(40);
    // A few ms of slack: the wait is the rest of 40 ms after the read, and a timer counts from the
    // event loop's millisecond clock, which can lag performance.now() by the loop's current turn.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(35);
    expect(Math.max(...gaps)).toBeLessThan(1_000);
  });

  it('where the API shares the loop (no settleMs), 10 ms after the consumer is done, however long it took', async () => {
    for (const gap of await gapsBetweenReads(undefined, 30)) expect(gap).toBeGreaterThanOrEqual(39);
  });

  it('with settleMs, counted from the start of the last read: a consumer slower than that finds the next page read at once', async () => {
    const gaps = await gapsBetweenReads(40, 60);
    // Applying took 60 ms, so 40 ms had passed when the consumer asked again: a pause after the
    // work would make each gap 100 ms.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(59);
    for (const gap of gaps) expect(gap).toBeLessThan(95);
  });
});
