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

const drained = async (lines: BackOfTheLine) => {
  while (lines.waiting > 0) await nextTurn();
};

describe('BackOfTheLine', () => {
  it('runs waiting work in arrival order, one item per loop turn, never in the turn it was pushed', async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 100 });
    const turns = turnCounter();
    const ran: Array<[string, number]> = [];
    for (const name of ['a', 'b', 'c', 'd']) lines.push('network', () => ran.push([name, turns.now()]));
    expect(ran).toEqual([]);
    expect(lines.waiting).toBe(4);
    await drained(lines);
    await nextTurn();
    turns.stop();
    expect(ran.map(([name]) => name)).toEqual(['a', 'b', 'c', 'd']);
    const at = ran.map(([, turn]) => turn);
    expect(new Set(at).size).toBe(4); // a turn of its own for each
  });

  it('never goes ahead of the sends batched in the turn it waited in: an immediate an I/O callback schedules after the push runs first', async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 100 });
    const order: string[] = [];
    await new Promise((resolve) => stat('.', resolve)); // from here on inside an I/O callback, where a request arrives
    for (let i = 0; i < 3; i++) lines.push('network', () => order.push(`flood ${i}`));
    setImmediate(() => order.push('batched send')); // as the group commit and the velocity checks flush
    await drained(lines);
    expect(order).toEqual(['batched send', 'flood 0', 'flood 1', 'flood 2']);
  });

  it("takes the lines in turn: one network's backlog of 50 holds another's request back by one item, not by 50", async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 200 });
    const order: string[] = [];
    for (let i = 0; i < 50; i++) lines.push('flooding network', () => order.push(`flood ${i}`));
    lines.push('other network', () => order.push('solved ballot'));
    await drained(lines);
    expect(order.indexOf('solved ballot')).toBe(1);
    expect(order.filter((x) => x.startsWith('flood'))).toEqual(Array.from({ length: 50 }, (_, i) => `flood ${i}`));
  });

  it('refuses work past its line\'s limit or the total, so a backlog stays bounded and nothing jumps it; a full line leaves the others open', async () => {
    const lines = new BackOfTheLine({ perLine: 2, total: 3 });
    const ran: string[] = [];
    const push = (line: string, name: string) => lines.push(line, () => ran.push(name));
    expect([push('a', 'a1'), push('a', 'a2'), push('a', 'a3'), push('b', 'b1'), push('c', 'c1')]).toEqual([true, true, false, true, false]);
    expect(lines.waiting).toBe(3);
    await drained(lines);
    expect(ran).toEqual(['a1', 'b1', 'a2']);
  });
});
