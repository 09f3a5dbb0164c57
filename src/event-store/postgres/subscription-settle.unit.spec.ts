import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { ReadAllResult, RecordedEvent } from '../port.ts';
import { CommitSignal } from './commit-signal.ts';
import { subscribeToAll } from './read.ts';

/**
 * After a page that was not full, a subscription waits `settleMs` for more events to gather
 * before it reads again: what keeps the batches of a consumer that applies them in a moment
 * (`pollster start`'s worker thread) from shrinking to a transaction every few events.
 */
const event = (position: number) => ({ position: BigInt(position) }) as RecordedEvent;

async function gapsBetweenReads(settleMs: number | undefined): Promise<number[]> {
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
  for await (const _ of batches) if (readAt.length === 4) closed.abort();
  return readAt.slice(1).map((at, i) => at - readAt[i]!);
}

describe('a subscription lets events gather after a page that was not full', () => {
  it('for 10 ms by default', async () => {
    for (const gap of await gapsBetweenReads(undefined)) expect(gap).toBeGreaterThanOrEqual(9);
  });

  it('for settleMs when the store is given one, and never for longer than the poll interval', async () => {
    const gaps = await gapsBetweenReads(40);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(39);
    expect(Math.max(...gaps)).toBeLessThan(1_000);
  });
});
