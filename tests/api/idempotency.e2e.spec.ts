import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Idempotency-Key: a retried command returns the first answer; the key belongs to its caller and
 * its operation, so two callers (or two polls) never collide on it, and a key sent again with
 * another request is refused, never answered with the store's internals.
 */
let t: TestApp;
let organizer: Caller;

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
});
afterAll(async () => t?.close());

const key = (name: string) => ({ 'idempotency-key': name });
const ballot = (poll: any, caller: Caller | undefined, headers: Record<string, string>, answers = answersFor(poll)) =>
  call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, ...(caller ? { caller } : {}), headers, payload: { answers } });
const pizzaInstead = (poll: any) => {
  const answers = answersFor(poll);
  answers[0] = { questionId: poll.questions[0].questionId, optionIds: [poll.questions[0].options[1].optionId] };
  return answers;
};

describe('the key is the caller’s own', () => {
  it('two anonymous voters of an open poll sending the same key each cast their own ballot', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'open' });
    const first = await ballot(poll, undefined, { ...key('same-key'), 'user-agent': 'phone A' });
    const second = await ballot(poll, undefined, { ...key('same-key'), 'user-agent': 'phone B' });
    expect(first.status).toBe(201);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.ballotId).not.toBe(first.body.ballotId);
    // Each one's retry is its own first answer.
    expect((await ballot(poll, undefined, { ...key('same-key'), 'user-agent': 'phone B' })).body).toEqual(second.body);
  });

  it('two accounts sending the same key each cast their own ballot; one voter may reuse a key on another poll', async () => {
    const poll = await openedPoll(t.app, organizer);
    const [ann, bob] = [await callerWith(t), await callerWith(t)];
    const a = await ballot(poll, ann, key('k1'));
    const b = await ballot(poll, bob, key('k1'));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.ballotId).not.toBe(a.body.ballotId);
    const other = await openedPoll(t.app, organizer);
    expect((await ballot(other, ann, key('k1'))).status).toBe(201);
  });

  it('two vote token holders sending the same key each cast their own ballot', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const { tokens } = (await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count: 2 } })).body;
    const cast = (voteToken: string) => call(t.app, {
      method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, headers: key('tk'), payload: { answers: answersFor(poll), voteToken },
    });
    const [a, b] = [await cast(tokens[0]), await cast(tokens[1])];
    expect([a.status, b.status]).toEqual([201, 201]);
  });
});

describe('a retry returns the first answer; a reused key with another request is 422', () => {
  it('castBallot', async () => {
    const poll = await openedPoll(t.app, organizer);
    const voter = await callerWith(t);
    const first = await ballot(poll, voter, key('cast-1'));
    expect(first.status).toBe(201);
    expect((await ballot(poll, voter, key('cast-1'))).body).toEqual(first.body);
    const reused = await ballot(poll, voter, key('cast-1'), pizzaInstead(poll));
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency.key-reused', field: 'headers.idempotency-key' } });
    // Without the key, a second ballot is what it always was.
    expect((await ballot(poll, voter, {})).body.code).toBe('already-voted');
  });

  it('createPoll: the retry answers 201 with the first poll, and no second poll exists', async () => {
    const own = await callerWith(t, 'organizer');
    const create = (payload: object) => call(t.app, { method: 'POST', url: '/api/polls', caller: own, headers: key('create-1'), payload });
    const first = await create(lunchPoll());
    const retried = await create(lunchPoll());
    expect(first.status).toBe(201);
    expect(retried).toMatchObject({ status: 201, body: first.body });
    const mine = await call(t.app, { method: 'GET', url: '/api/polls?mine=true', caller: own });
    expect(mine.body.items.map((p: any) => p.pollId)).toEqual([first.body.pollId]);
    const reused = await create({ ...lunchPoll(), title: 'Dinner' });
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency.key-reused' } });
    // Another organizer's same key is another poll.
    const theirs = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, headers: key('create-1'), payload: lunchPoll() });
    expect(theirs.status).toBe(201);
    expect(theirs.body.pollId).not.toBe(first.body.pollId);
  });

  it('at the same moment: a retry racing its first request gets the same answer; another request under the key gets 422', async () => {
    const poll = await openedPoll(t.app, organizer);
    const voter = await callerWith(t);
    const [a, b] = await Promise.all([ballot(poll, voter, key('race')), ballot(poll, voter, key('race'))]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body).toEqual(a.body);
    const other = await callerWith(t);
    const raced = await Promise.all([ballot(poll, other, key('race-2')), ballot(poll, other, key('race-2'), pizzaInstead(poll))]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 422]);
    expect(raced.find((r) => r.status === 422)!.body.code).toBe('idempotency.key-reused');
  });

  it('closePoll: the retry answers 200 again', async () => {
    const poll = await openedPoll(t.app, organizer);
    const close = () => call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer, headers: key('close-1') });
    expect((await close()).status).toBe(200);
    expect(await close()).toMatchObject({ status: 200, body: { status: 'closed' } });
  });
});
