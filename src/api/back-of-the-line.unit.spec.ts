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

const unexpected = () => {
  throw new Error('not expected to run');
};

const drained = async (lines: BackOfTheLine) => {
  while (lines.waiting > 0) await nextTurn();
};

describe('BackOfTheLine', () => {
  it('runs waiting work in arrival order, one item per loop turn, never in the turn it was pushed', async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 100, perSecond: 100_000 });
    const turns = turnCounter();
    const ran: Array<[string, number]> = [];
    for (const name of ['a', 'b', 'c', 'd']) lines.push('network', () => ran.push([name, turns.now()]), unexpected);
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
    const lines = new BackOfTheLine({ perLine: 100, total: 100, perSecond: 100_000 });
    const order: string[] = [];
    await new Promise((resolve) => stat('.', resolve)); // from here on inside an I/O callback, where a request arrives
    for (let i = 0; i < 3; i++) lines.push('network', () => order.push(`flood ${i}`), unexpected);
    setImmediate(() => order.push('batched send')); // as the group commit and the velocity checks flush
    await drained(lines);
    expect(order).toEqual(['batched send', 'flood 0', 'flood 1', 'flood 2']);
  });

  it("takes the lines in turn: one network's backlog of 50 holds another's request back by one item, not by 50", async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 200, perSecond: 100_000 });
    const order: string[] = [];
    for (let i = 0; i < 50; i++) lines.push('flooding network', () => order.push(`flood ${i}`), unexpected);
    lines.push('other network', () => order.push('solved ballot'), unexpected);
    await drained(lines);
    expect(order.indexOf('solved ballot')).toBe(1);
    expect(order.filter((x) => x.startsWith('flood'))).toEqual(Array.from({ length: 50 }, (_, i) => `flood ${i}`));
  });

  it('refuses work past its line\'s limit or the total, so a backlog stays bounded and nothing jumps it; a full line leaves the others open', async () => {
    const lines = new BackOfTheLine({ perLine: 2, total: 3, perSecond: 100_000 });
    const ran: string[] = [];
    const refused: string[] = [];
    const push = (line: string, name: string) => lines.push(line, () => ran.push(name), () => refused.push(name));
    expect([push('a', 'a1'), push('a', 'a2'), push('a', 'a3'), push('b', 'b1'), push('c', 'c1')]).toEqual([true, true, false, true, false]);
    expect(lines.waiting).toBe(5);
    expect(refused).toEqual([]); // refused on a later turn, not in the caller's
    await drained(lines);
    expect(ran).toEqual(['a1', 'b1', 'a2']);
    expect(refused).toEqual(['a3', 'c1']);
  });

  it('refuses one per turn after the sends batched in the turn too, unpaced: a flood past its line goes ahead of no one', async () => {
    const lines = new BackOfTheLine({ perLine: 1, total: 4, perSecond: 1 });
    const turns = turnCounter();
    const order: string[] = [];
    await new Promise((resolve) => stat('.', resolve));
    const at: number[] = [];
    lines.push('network', () => order.push('flood 0'), unexpected);
    for (let i = 1; i < 4; i++) lines.push('network', unexpected, () => (order.push(`refused ${i}`), at.push(turns.now())));
    setImmediate(() => order.push('batched send'));
    await drained(lines);
    turns.stop();
    expect(order).toEqual(['batched send', 'flood 0', 'refused 1', 'refused 2', 'refused 3']);
    expect(new Set(at).size).toBe(3); // a turn of its own for each, none held by the pace of one a second
  });

  it('serves at most perSecond items a second over all lines: a flood from many networks takes no more of the node than one', async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 100, perSecond: 50 });
    const at: number[] = [];
    for (const network of ['a', 'b', 'c', 'a', 'b', 'c']) lines.push(network, () => at.push(performance.now()), unexpected);
    await drained(lines);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 20 ms apart (Node's timers count whole milliseconds: half of one as slack)
    expect(gaps.every((gap) => gap >= 19.5), `gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`).toBe(true);
  });

  it('paces from the item served last: after an idle while, a new item runs on the next turn, not a gap later', async () => {
    const lines = new BackOfTheLine({ perLine: 100, total: 100, perSecond: 20 });
    await new Promise<void>((resolve) => lines.push('a', resolve, unexpected));
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the 50 ms gap
    const pushed = performance.now();
    await new Promise<void>((resolve) => lines.push('a', resolve, unexpected));
    expect(performance.now() - pushed).toBeLessThan(25);
  });

  it('refuses at once past `total` refusals waiting: the queue of refusals stays bounded too', async () => {
    const lines = new BackOfTheLine({ perLine: 1, total: 1, perSecond: 100_000 });
    const refused: string[] = [];
    lines.push('network', () => {}, unexpected);
    for (const name of ['b', 'c']) lines.push('network', unexpected, () => refused.push(name));
    expect(refused).toEqual(['c']);
    await drained(lines);
    expect(refused).toEqual(['c', 'b']);
  });
});
