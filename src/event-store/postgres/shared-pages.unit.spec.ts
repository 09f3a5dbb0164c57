import { describe, expect, it } from 'vitest';
import type { ReadAllOptions, ReadAllResult, RecordedEvent } from '../port.ts';
import { SharedPages } from './shared-pages.ts';

const event = (position: number, stream = 'ballot-p-1'): RecordedEvent => ({
  id: `e${position}`,
  stream,
  revision: 0n,
  position: BigInt(position),
  type: 'BallotCast',
  data: { n: position },
  metadata: {},
  recordedAt: new Date(0),
});

/** A log of events at the given positions, read as the store does: up to `horizon`, `limit` at a time. */
function fakeLog(positions: number[], horizon: number) {
  const reads: ReadAllOptions[] = [];
  const read = async (options: ReadAllOptions): Promise<ReadAllResult> => {
    reads.push(options);
    await Promise.resolve(); // answer later, as a database does
    const events = positions.filter((p) => BigInt(p) > options.from && p < horizon).slice(0, options.limit).map((p) => event(p));
    const full = events.length === options.limit;
    const through = BigInt(horizon - 1);
    return { events, next: full ? events.at(-1)!.position : through > options.from ? through : options.from };
  };
  return { read, reads };
}

const positions = (r: ReadAllResult) => r.events.map((e) => Number(e.position));
const opts = (from: number, limit = 100, categories = ['ballot']): ReadAllOptions => ({ from: BigInt(from), limit, categories });

describe('SharedPages', () => {
  it('a second reader of the same filter behind the first is answered from the page already read', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    const first = await shared.read(opts(0), log.read);
    expect(positions(first)).toEqual([10, 20, 30, 40]);
    expect(first.next).toBe(49n);
    const behind = await shared.read(opts(20), log.read);
    expect(positions(behind)).toEqual([30, 40]);
    expect(behind.next).toBe(49n);
    const atStart = await shared.read(opts(0), log.read);
    expect(positions(atStart)).toEqual([10, 20, 30, 40]);
    expect(log.reads).toHaveLength(1);
  });

  it('a kept page is cut at the reader\'s limit, ending at its last event as a full read does', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    await shared.read(opts(0), log.read);
    const cut = await shared.read(opts(0, 2), log.read);
    expect(positions(cut)).toEqual([10, 20]);
    expect(cut.next).toBe(20n);
    const rest = await shared.read(opts(20, 2), log.read);
    expect(positions(rest)).toEqual([30, 40]);
    expect(rest.next).toBe(49n); // the page ran to the horizon
    expect(log.reads).toHaveLength(1);
  });

  it('reads past every kept page go to the log, and the same read asked while in flight is joined', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    await shared.read(opts(0, 2), log.read); // (0, 20]
    const [a, b] = await Promise.all([shared.read(opts(20, 2), log.read), shared.read(opts(20, 2), log.read)]);
    expect(positions(a)).toEqual([30, 40]);
    expect(positions(b)).toEqual([30, 40]);
    expect(a.events).not.toBe(b.events); // each reader its own array
    expect(log.reads.map((r) => Number(r.from))).toEqual([0, 20]);
  });

  it('filters do not share: other categories or stream prefixes read the log themselves', async () => {
    const log = fakeLog([10, 20], 50);
    const shared = new SharedPages();
    await shared.read(opts(0, 100, ['ballot', 'poll']), log.read);
    await shared.read(opts(0, 100, ['poll', 'ballot']), log.read); // same set, other order: shared
    await shared.read(opts(0, 100, ['ballot']), log.read);
    await shared.read({ ...opts(0, 100, ['ballot']), streamPrefixes: ['ballot-p-'] }, log.read);
    expect(log.reads).toHaveLength(3);
  });

  it('an empty read is kept too: nothing in (from, horizon) for that filter', async () => {
    const log = fakeLog([], 50);
    const shared = new SharedPages();
    expect(await shared.read(opts(0), log.read)).toEqual({ events: [], next: 49n });
    expect(await shared.read(opts(30), log.read)).toEqual({ events: [], next: 49n });
    expect(log.reads).toHaveLength(1);
  });

  it('keeps at most maxEventsPerFilter events, dropping the oldest pages', async () => {
    const log = fakeLog([10, 20, 30, 40, 50, 60], 70);
    const shared = new SharedPages({ maxEventsPerFilter: 2 });
    for (const from of [0, 20, 40]) await shared.read(opts(from, 2), log.read); // pages (0,20] (20,40] (40,60]
    expect(log.reads).toHaveLength(3);
    await shared.read(opts(40, 2), log.read); // newest: kept
    expect(log.reads).toHaveLength(3);
    await shared.read(opts(0, 2), log.read); // oldest: dropped, read again
    expect(log.reads).toHaveLength(4);
  });

  it('keeps at most maxListCharsPerFilter characters of string lists (vote token hashes), however few the events', async () => {
    const hashes = (n: number) => Array.from({ length: n }, (_, i) => `${i}`.padStart(64, '0'));
    const reads: ReadAllOptions[] = [];
    // One event of 1,000 hashes (64,000 characters) per page, at positions 10, 20, 30.
    const read = async (options: ReadAllOptions): Promise<ReadAllResult> => {
      reads.push(options);
      const position = Number(options.from) + 10;
      return { events: [{ ...event(position, 'poll-p'), type: 'VoteTokensIssued', data: { pollId: 'p', tokenHashes: hashes(1_000) } }], next: BigInt(position) };
    };
    const shared = new SharedPages({ maxListCharsPerFilter: 100_000 });
    for (const from of [0, 10, 20]) await shared.read(opts(from, 1, ['poll']), read);
    await shared.read(opts(20, 1, ['poll']), read); // newest: kept
    expect(reads).toHaveLength(3);
    await shared.read(opts(10, 1, ['poll']), read); // one page of 64,000 is all the bound holds: read again
    expect(reads).toHaveLength(4);
    // Events without such lists (ballots) are bounded by their count alone, as before.
    const log = fakeLog([10, 20, 30], 40);
    const ballots = new SharedPages({ maxListCharsPerFilter: 1 });
    for (const from of [0, 10, 20]) await ballots.read(opts(from, 1), log.read);
    await ballots.read(opts(0, 1), log.read);
    expect(log.reads).toHaveLength(3);
  });

  it('a lone reader keeps nothing: the pages it passed are not held for anyone', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    const alone = shared.join({ categories: ['ballot'] }, 0n);
    expect(positions(await shared.read(opts(0, 2), log.read, alone))).toEqual([10, 20]);
    expect(positions(await shared.read(opts(20, 2), log.read, alone))).toEqual([30, 40]);
    // Read again (a subscription restarted from its checkpoint): from the log, nothing was kept.
    expect(positions(await shared.read(opts(0, 2), log.read, alone))).toEqual([10, 20]);
    expect(log.reads.map((r) => Number(r.from))).toEqual([0, 20, 0]);
  });

  it('a page stays until the last reader of its filter has passed it, then goes', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    const [leader, follower] = [shared.join({ categories: ['ballot'] }, 0n), shared.join({ categories: ['ballot'] }, 0n)];
    const other = shared.join({ categories: ['poll'] }, 0n); // another filter: never holds a ballot page
    await shared.read(opts(0, 2), log.read, leader);
    await shared.read(opts(20, 2), log.read, leader);
    expect(positions(await shared.read(opts(0, 2), log.read, follower))).toEqual([10, 20]); // kept for it
    expect(positions(await shared.read(opts(20, 2), log.read, follower))).toEqual([30, 40]);
    expect(log.reads).toHaveLength(2);
    // Both have passed (0, 40]: a third read of it goes to the log.
    await shared.read(opts(0, 2), log.read);
    expect(log.reads).toHaveLength(3);
    shared.leave(other);
  });

  it('a reader that leaves no longer holds pages back', async () => {
    const log = fakeLog([10, 20, 30, 40], 50);
    const shared = new SharedPages();
    const [leader, gone] = [shared.join({ categories: ['ballot'] }, 0n), shared.join({ categories: ['ballot'] }, 0n)];
    await shared.read(opts(0, 2), log.read, leader);
    await shared.read(opts(0, 2), log.read, leader); // kept for `gone`, which is still behind
    expect(log.reads).toHaveLength(1);
    shared.leave(gone);
    await shared.read(opts(0, 2), log.read, leader);
    expect(log.reads).toHaveLength(2);
  });

  it('a filter that subscriptions joined is not the one dropped for a new filter', async () => {
    const log = fakeLog([10, 20], 50);
    const shared = new SharedPages({ maxFilters: 2 });
    const [a, b] = [shared.join({ categories: ['ballot'] }, 0n), shared.join({ categories: ['ballot'] }, 0n)];
    await shared.read(opts(0), log.read, a); // kept for b
    for (const category of ['poll', 'user', 'audit']) await shared.read(opts(0, 100, [category]), log.read);
    expect(positions(await shared.read(opts(0), log.read, b))).toEqual([10, 20]);
    expect(log.reads.filter((r) => r.categories?.[0] === 'ballot')).toHaveLength(1);
  });

  it('under POLLSTER_FREEZE_SHARED_EVENTS=1 (set for every test run) shared events are frozen, deep', async () => {
    expect(process.env.POLLSTER_FREEZE_SHARED_EVENTS).toBe('1');
    const shared = new SharedPages();
    const [e] = (await shared.read(opts(0), fakeLog([10], 50).read)).events;
    expect(Object.isFrozen(e)).toBe(true);
    expect(() => {
      (e!.data as { n: number }).n = 11;
    }).toThrow(TypeError);
  });

  it('a failed read fails every reader that joined it, and is not kept', async () => {
    const shared = new SharedPages();
    let calls = 0;
    const failing = async () => {
      calls++;
      await Promise.resolve();
      throw new Error('connection lost');
    };
    const both = [shared.read(opts(0), failing), shared.read(opts(0), failing)];
    await expect(both[0]).rejects.toThrow('connection lost');
    await expect(both[1]).rejects.toThrow('connection lost');
    await expect(shared.read(opts(0), failing)).rejects.toThrow('connection lost');
    expect(calls).toBe(2);
  });
});
