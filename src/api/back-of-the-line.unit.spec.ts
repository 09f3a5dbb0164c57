import { stat } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BackOfTheLine } from './back-of-the-line.ts';

/** Counts loop turns (check phases) until stopped, and says which turn it is. */
function turnCounter() {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turn, stop: () => (running = false) };
}

describe('BackOfTheLine', () => {
  it('runs waiting work in arrival order, one item per loop turn, never in the turn it was pushed', async () => {
    const line = new BackOfTheLine(100);
    const turns = turnCounter();
    const ran: Array<[string, number]> = [];
    for (const name of ['a', 'b', 'c', 'd']) line.push(() => ran.push([name, turns.now()]));
    expect(ran).toEqual([]);
    expect(line.waiting).toBe(4);
    while (line.waiting > 0) await nextTurn();
    await nextTurn();
    turns.stop();
    expect(ran.map(([name]) => name)).toEqual(['a', 'b', 'c', 'd']);
    const at = ran.map(([, turn]) => turn);
    expect(new Set(at).size).toBe(4); // a turn of its own for each
  });

  it('never goes ahead of the sends batched in the turn it waited in: an immediate an I/O callback schedules after the push runs first', async () => {
    const line = new BackOfTheLine(100);
    const order: string[] = [];
    await new Promise((resolve) => stat('.', resolve)); // from here on inside an I/O callback, where a request arrives
    for (let i = 0; i < 3; i++) line.push(() => order.push(`flood ${i}`));
    setImmediate(() => order.push('batched send')); // as the group commit and the velocity checks flush
    while (line.waiting > 0) await nextTurn();
    expect(order).toEqual(['batched send', 'flood 0', 'flood 1', 'flood 2']);
  });

  it('refuses work past its limit, so a backlog never holds more than the limit and nothing jumps it', async () => {
    const line = new BackOfTheLine(2);
    const ran: string[] = [];
    expect([line.push(() => ran.push('a')), line.push(() => ran.push('b')), line.push(() => ran.push('c'))]).toEqual([true, true, false]);
    expect(line.waiting).toBe(2);
    while (line.waiting > 0) await nextTurn();
    expect(ran).toEqual(['a', 'b']);
  });
});
