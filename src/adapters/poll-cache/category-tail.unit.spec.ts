import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../event-store/port.ts';
import { CategoryTail } from './category-tail.ts';

/** A log whose readable end (`horizon`) the test moves; it counts the reads. */
function fakeLog() {
  const log = {
    horizon: 10n,
    reads: 0,
    store: {
      readAll: async () => {
        log.reads++;
        return { events: [], next: log.horizon };
      },
    } as unknown as EventStore,
  };
  return log;
}

describe('CategoryTail', () => {
  it('the waiters of one turn share one read', async () => {
    const log = fakeLog();
    const tail = new CategoryTail(log.store, ['poll'], () => {}, { idleMs: 60_000, busyMs: 60_000 });
    tail.start(10n);
    await sleep(5);
    const before = log.reads;
    log.horizon = 30n;
    const waits = Array.from({ length: 20 }, (_, i) => tail.waitFor(11n + BigInt(i), 1_000));
    expect(await Promise.all(waits)).toEqual(Array(20).fill(true));
    expect(log.reads - before).toBe(1);
    await tail.stop();
  });

  it('a waiter the log has not reached waits (busy polls) and times out false, never true', async () => {
    const log = fakeLog();
    const tail = new CategoryTail(log.store, ['poll'], () => {}, { idleMs: 60_000, busyMs: 2 });
    tail.start(10n);
    expect(await tail.waitFor(50n, 50)).toBe(false);
    expect(tail.through).toBe(10n);
    await tail.stop();
  });
});
