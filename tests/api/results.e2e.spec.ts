import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededTieOrder } from '../../src/domain/results/tie-break.ts';
import { call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** getResults through HTTP: counting, who may see hidden results, and `?at=` replays. */
let t: TestApp;
let organizer: Caller;

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
});
afterAll(async () => t?.close());

/** A ballot for `lunchPoll` by option texts: single, multiple days, a ranking of teams, a rating. */
function ballot(poll: any, where: string, days: string[], teams: string[], rate: number) {
  const [single, multiple, ranked, rating] = poll.questions;
  const id = (q: any, text: string) => q.options.find((o: any) => o.text === text).optionId;
  return {
    answers: [
      { questionId: single.questionId, optionIds: [id(single, where)] },
      { questionId: multiple.questionId, optionIds: days.map((d) => id(multiple, d)) },
      { questionId: ranked.questionId, ranking: teams.map((x) => id(ranked, x)) },
      { questionId: rating.questionId, rating: rate },
    ],
  };
}

async function cast(poll: any, payload: object): Promise<number> {
  const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload });
  expect(cast.status).toBe(201);
  await t.services.readModelsAt(BigInt(cast.body.position));
  return cast.body.position;
}

const results = (pollId: string, caller?: Caller, query = '') =>
  call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results${query}`, ...(caller ? { caller } : {}) });

describe('getResults', () => {
  it('counts ballots: votes and percentages, instant-runoff rounds, rating average and distribution', async () => {
    const poll = await openedPoll(t.app, organizer);
    await cast(poll, ballot(poll, 'Pizza', ['Mon', 'Tue'], ['A', 'B'], 5));
    await cast(poll, ballot(poll, 'Pizza', ['Mon'], ['B', 'A'], 4));
    const last = await cast(poll, ballot(poll, 'Sushi', ['Wed'], ['C', 'B'], 2));
    const got = await results(poll.pollId);
    expect(got.status).toBe(200);
    const [single, multiple, ranked, rating] = poll.questions;
    const opt = (q: any, text: string) => q.options.find((o: any) => o.text === text).optionId;
    expect(got.body).toEqual({
      pollId: poll.pollId, status: 'active', totalBallots: 3, flaggedPending: 0, position: last,
      questions: [
        { questionId: single.questionId, kind: 'single', options: [
          { optionId: opt(single, 'Pizza'), text: 'Pizza', votes: 2, percentage: 66.67 },
          { optionId: opt(single, 'Sushi'), text: 'Sushi', votes: 1, percentage: 33.33 }] },
        { questionId: multiple.questionId, kind: 'multiple', options: [
          { optionId: opt(multiple, 'Mon'), text: 'Mon', votes: 2, percentage: 66.67 },
          { optionId: opt(multiple, 'Tue'), text: 'Tue', votes: 1, percentage: 33.33 },
          { optionId: opt(multiple, 'Wed'), text: 'Wed', votes: 1, percentage: 33.33 }] },
        // A>B, B>A, C>B: 1 each, no majority; all tied, so the seeded order says who goes (checked below).
        { questionId: ranked.questionId, kind: 'ranked', options: [
          { optionId: opt(ranked, 'A'), text: 'A', votes: 1, percentage: 33.33 },
          { optionId: opt(ranked, 'B'), text: 'B', votes: 1, percentage: 33.33 },
          { optionId: opt(ranked, 'C'), text: 'C', votes: 1, percentage: 33.33 }],
          rounds: expect.any(Array), winner: expect.any(String) },
        { questionId: rating.questionId, kind: 'rating', options: [], average: 3.67, distribution: { 1: 0, 2: 1, 3: 0, 4: 1, 5: 1 } },
      ],
    });
    const ids = ['A', 'B', 'C'].map((x) => opt(ranked, x));
    const [a, b, c] = ids as [string, string, string];
    const [loser] = seededTieOrder(poll.pollId, ids);
    // Whoever goes, its one ballot moves to its second choice, which then has 2 of 3.
    const winner = loser === b ? a : b;
    const { rounds } = got.body.questions[2];
    expect(rounds).toEqual([
      { round: 1, tallies: { [a]: 1, [b]: 1, [c]: 1 }, eliminated: [loser], exhausted: 0 },
      { round: 2, tallies: Object.fromEntries(ids.filter((o) => o !== loser).map((o) => [o, o === winner ? 2 : 1])), eliminated: [], exhausted: 0 },
    ]);
    expect(got.body.questions[2].winner).toBe(winner);
  });

  it('hides results of a poll that shows them only after the close from voters, not from those who oversee it', async () => {
    const poll = await openedPoll(t.app, organizer, { showResultsBeforeClose: false });
    await cast(poll, ballot(poll, 'Pizza', ['Mon'], ['A'], 3));
    const voter = await callerWith(t);
    expect(await results(poll.pollId, voter)).toMatchObject({ status: 403, body: { code: 'results.hidden' } });
    expect(await results(poll.pollId)).toMatchObject({ status: 403, body: { code: 'results.hidden' } });
    expect((await results(poll.pollId, await callerWith(t, 'organizer'))).status).toBe(403); // another poll's organizer
    for (const caller of [organizer, await callerWith(t, 'admin'), await callerWith(t, 'auditor'), await callerWith(t, 'analyst')]) {
      expect(await results(poll.pollId, caller)).toMatchObject({ status: 200, body: { totalBallots: 1 } });
    }
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer });
    expect(await results(poll.pollId, voter)).toMatchObject({ status: 200, body: { status: 'closed', totalBallots: 1 } });
  });

  it('404 for a poll that does not exist, and for a draft unless organizer or admin', async () => {
    expect((await results('3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f')).status).toBe(404);
    const draft = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() });
    expect((await results(draft.body.pollId, await callerWith(t))).status).toBe(404);
    expect(await results(draft.body.pollId, organizer)).toMatchObject({ status: 200, body: { status: 'draft', totalBallots: 0 } });
    expect((await results(draft.body.pollId, await callerWith(t, 'admin'))).status).toBe(200);
  });

  it('?at=<position> equals the results when the log ended there', async () => {
    const poll = await openedPoll(t.app, organizer);
    await cast(poll, ballot(poll, 'Sushi', ['Tue'], ['C'], 1));
    const at = await cast(poll, ballot(poll, 'Pizza', ['Mon'], ['A', 'C'], 4));
    const then = await results(poll.pollId);
    await cast(poll, ballot(poll, 'Pizza', ['Wed'], ['B'], 5));
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer });
    const now = await results(poll.pollId);
    expect(now.body).toMatchObject({ status: 'closed', totalBallots: 3 });
    const replayed = await results(poll.pollId, undefined, `?at=${at}`);
    expect(replayed).toMatchObject({ status: 200, body: then.body });
    expect(replayed.body).toEqual(then.body);
    // Before the poll existed: 404; beyond the log's head: 422; not a position: 400.
    expect((await results(poll.pollId, undefined, '?at=0')).status).toBe(404);
    const ahead = await results(poll.pollId, undefined, `?at=${now.body.position * 2}`);
    expect(ahead).toMatchObject({ status: 422, body: { code: 'results.position-ahead', field: 'at' } });
    expect((await results(poll.pollId, undefined, '?at=soon')).status).toBe(400); // a query that breaks its schema
  });
});
