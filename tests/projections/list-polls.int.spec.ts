import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPolls, type Projections, startProjections } from '../../src/projections/index.ts';
import { closePoll, createPoll, fastRunner, type Harness, openHarness, openPoll, silentLogger } from './harness.ts';

/** listPolls: keyset pages newest first, filters, and what a viewer may find in a listing. */
let h: Harness;
let projections: Projections;
/** Poll ids in creation order. */
const created: Array<{ pollId: string; organizerId: string; status: string; visibility: string }> = [];

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: fastRunner });
  const plan = [
    { organizerId: 'alice', status: 'active', visibility: 'public' },
    { organizerId: 'bob', status: 'draft', visibility: 'public' },
    { organizerId: 'alice', status: 'closed', visibility: 'public' },
    { organizerId: 'bob', status: 'active', visibility: 'private' },
    { organizerId: 'carol', status: 'active', visibility: 'public' },
    { organizerId: 'alice', status: 'draft', visibility: 'private' },
    { organizerId: 'bob', status: 'active', visibility: 'public' },
  ] as const;
  let last = 0n;
  for (const p of plan) {
    const { pollId, position } = await createPoll(h.store, { organizerId: p.organizerId, settings: { visibility: p.visibility } });
    last = position;
    if (p.status !== 'draft') last = (await openPoll(h.store, pollId)).position;
    if (p.status === 'closed') last = (await closePoll(h.store, pollId)).position;
    created.push({ pollId, ...p });
  }
  // The last append's own position, not headPosition(): the head stops below the oldest open
  // transaction of the whole server, which other test files' transactions can hold back.
  await projections.waitForPosition(last);
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

const newestFirst = (filter: (p: (typeof created)[number]) => boolean) =>
  created.filter(filter).map((p) => p.pollId).reverse();

describe('listPolls', () => {
  it('pages through every poll newest first without repeats', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listPolls(h.sql, { limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((p) => p.pollId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst(() => true));
  });

  it('returns summaries without questions, and no cursor when everything fits', async () => {
    const page = await listPolls(h.sql, { limit: 100 });
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(7);
    expect(page.items[0]).not.toHaveProperty('questions');
    expect(page.items[0]).toMatchObject({ organizerId: 'bob', status: 'active', settings: { visibility: 'public' } });
  });

  it('filters by status and by organizer', async () => {
    const active = await listPolls(h.sql, { status: 'active', limit: 10 });
    expect(active.items.map((p) => p.pollId)).toEqual(newestFirst((p) => p.status === 'active'));
    const mine = await listPolls(h.sql, { organizerId: 'alice', limit: 2 });
    expect(mine.items.map((p) => p.pollId)).toEqual(newestFirst((p) => p.organizerId === 'alice').slice(0, 2));
    const rest = await listPolls(h.sql, { organizerId: 'alice', limit: 2, cursor: mine.nextCursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ pollId: created[0]!.pollId })], nextCursor: null });
  });

  it('shows a viewer the public polls that are not drafts, plus their own', async () => {
    const publicListed = (p: (typeof created)[number]) => p.visibility === 'public' && p.status !== 'draft';
    const anonymous = await listPolls(h.sql, { visibleTo: { userId: null }, drafts: { organizerId: null }, limit: 100 });
    expect(anonymous.items.map((p) => p.pollId)).toEqual(newestFirst(publicListed));
    const bob = await listPolls(h.sql, { visibleTo: { userId: 'bob' }, drafts: { organizerId: 'bob' }, limit: 100 });
    expect(bob.items.map((p) => p.pollId)).toEqual(newestFirst((p) => publicListed(p) || p.organizerId === 'bob'));
  });

  it('refuses a cursor it did not issue, and clamps the limit', async () => {
    await expect(listPolls(h.sql, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'cursor.invalid', field: 'cursor', kind: 'validation' });
    const forged = Buffer.from(JSON.stringify({ v: 1, k: '1; DROP TABLE read.polls' })).toString('base64url');
    await expect(listPolls(h.sql, { cursor: forged })).rejects.toMatchObject({ code: 'cursor.invalid' });
    expect((await listPolls(h.sql, { limit: 0 })).items).toHaveLength(1);
    expect((await listPolls(h.sql, { limit: 1000 })).items).toHaveLength(7);
  });
});
