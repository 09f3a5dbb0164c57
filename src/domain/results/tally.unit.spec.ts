import { describe, expect, it } from 'vitest';
import {
  cast, change, closed, created, flag, multi, opened, ranked, rating, review, single, type ResultsEvent,
} from '../../testing/results-fixtures.ts';
import { POLL_ID } from '../../testing/poll-fixtures.ts';
import { tally, type LoggedEvent } from './tally.ts';
import { seededTieOrder } from './tie-break.ts';

/** Positions 10, 20, 30, ... in the order given: the log order of the poll's events. */
const logged = (...events: ResultsEvent[]): LoggedEvent[] =>
  events.map((event, i) => ({ type: event.type, data: event.data, position: BigInt((i + 1) * 10) }));

const given = (...events: ResultsEvent[]) => ({ then: () => tally(POLL_ID, logged(created(), opened(), ...events))! });
const question = (results: ReturnType<typeof tally>, id: string) => results!.questions.find((q) => q.questionId === id)!;
const votes = (results: ReturnType<typeof tally>, id: string) =>
  Object.fromEntries((question(results, id).options as Array<{ optionId: string; votes: number }>).map((o) => [o.optionId, o.votes]));

describe('tally', () => {
  it('given ballots, then options carry votes and percentages of the ballots answering the question', () => {
    const results = given(
      cast('b1', [single('o-pizza'), multi('o-mon', 'o-tue')]),
      cast('b2', [single('o-pizza'), multi('o-mon')]),
      cast('b3', [single('o-sushi'), rating(5)]),
    ).then();
    expect(results).toMatchObject({ pollId: POLL_ID, status: 'active', totalBallots: 3, flaggedPending: 0, position: 50n });
    expect(question(results, 'q-single').options).toEqual([
      { optionId: 'o-pizza', text: 'Pizza', votes: 2, percentage: 66.67 },
      { optionId: 'o-sushi', text: 'Sushi', votes: 1, percentage: 33.33 },
    ]);
    // Two ballots answer q-multi: Mon on both (100%), Tue on one (50%); the sum passes 100.
    expect(question(results, 'q-multi').options.map((o) => [o.votes, o.percentage])).toEqual([[2, 100], [1, 50], [0, 0]]);
  });

  it('given ballots after the close, then they do not count, nor do changes after the close', () => {
    const results = given(
      cast('b1', [single('o-pizza')]),
      closed(),
      cast('late', [single('o-sushi')]),
      change('b1', [single('o-sushi')]),
    ).then();
    expect(results).toMatchObject({ status: 'closed', totalBallots: 1, position: 60n });
    expect(votes(results, 'q-single')).toEqual({ 'o-pizza': 1, 'o-sushi': 0 });
  });

  it('given a changed ballot, then its votes move, including off questions it no longer answers', () => {
    const results = given(
      cast('b1', [single('o-pizza'), rating(2)]),
      change('b1', [single('o-sushi')]),
    ).then();
    expect(votes(results, 'q-single')).toEqual({ 'o-pizza': 0, 'o-sushi': 1 });
    expect(question(results, 'q-rating')).toMatchObject({ average: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });
  });

  it('given flags, then pending ones are reported, an upheld one changes nothing and a rejected ballot stops counting', () => {
    const results = given(
      cast('b1', [single('o-pizza')]),
      cast('b2', [single('o-pizza')]),
      cast('b3', [single('o-sushi')]),
      flag('b1', 'f1'),
      flag('b2', 'f2'),
      flag('b2', 'f3'),
      flag('b3', 'f4'),
      review('b2', 'f2', 'uphold'),
      closed(),
      review('b3', 'f4', 'reject'), // reviews after the close still apply
    ).then();
    // b1 pending, b2 still has f3 pending, b3 rejected (out, and so not "pending" either).
    expect(results).toMatchObject({ totalBallots: 2, flaggedPending: 2 });
    expect(votes(results, 'q-single')).toEqual({ 'o-pizza': 2, 'o-sushi': 0 });
  });

  it('given a rejected ballot that changes later, then it stays out', () => {
    const results = given(cast('b1', [single('o-pizza')]), flag('b1', 'f1'), review('b1', 'f1', 'reject'), change('b1', [single('o-sushi')])).then();
    expect(results).toMatchObject({ totalBallots: 0, flaggedPending: 0 });
    expect(votes(results, 'q-single')).toEqual({ 'o-pizza': 0, 'o-sushi': 0 });
  });

  it('given ratings, then the average has two decimals and the distribution lists the whole scale', () => {
    const results = given(cast('b1', [rating(5)]), cast('b2', [rating(4)]), cast('b3', [rating(4)])).then();
    expect(question(results, 'q-rating')).toEqual({
      questionId: 'q-rating', kind: 'rating', options: [], average: 4.33, distribution: { 1: 0, 2: 0, 3: 0, 4: 2, 5: 1 },
    });
  });

  it('given rankings with skipped ranks, then first preferences, rounds and the winner come from instant-runoff', () => {
    // R1: a 2, b 1, c 2 of 5 (no majority) → b out; its ballot ranks only b → exhausted.
    // R2: a 2, c 2, tied now; in R1 both had 2 as well → the seeded order decides.
    const results = given(
      cast('b1', [ranked('o-a', 'o-c')]),
      cast('b2', [ranked('o-a')]),
      cast('b3', [ranked('o-b')]),
      cast('b4', [ranked('o-c', 'o-b')]),
      cast('b5', [ranked('o-c')]),
    ).then();
    const q = question(results, 'q-ranked');
    const [loser] = seededTieOrder(POLL_ID, ['o-a', 'o-c']); // first in the seeded order goes
    expect(q.options.map((o) => [o.optionId, o.votes, o.percentage])).toEqual([['o-a', 2, 40], ['o-b', 1, 20], ['o-c', 2, 40]]);
    if (q.kind !== 'ranked') throw new Error('ranked expected');
    expect(q.rounds.slice(0, 2)).toEqual([
      { round: 1, tallies: { 'o-a': 2, 'o-b': 1, 'o-c': 2 }, eliminated: ['o-b'], exhausted: 0 },
      { round: 2, tallies: { 'o-a': 2, 'o-c': 2 }, eliminated: [loser], exhausted: 1 },
    ]);
    expect(q.winner).toBe(loser === 'o-a' ? 'o-c' : 'o-a');
    expect(question(given().then(), 'q-ranked')).toMatchObject({ rounds: [], winner: null });
  });

  it('given an event applied twice (a replay), then it counts once', () => {
    const events = logged(created(), opened(), cast('b1', [single('o-pizza')]));
    expect(tally(POLL_ID, [...events, events[2]!])).toEqual(tally(POLL_ID, events));
  });

  it('given no PollCreated, or events of another poll only, then there are no results', () => {
    expect(tally(POLL_ID, [])).toBeNull();
    expect(tally(POLL_ID, logged(created('other-poll')))).toBeNull();
  });

  it('given a draft, then its results are empty with status draft', () => {
    expect(tally(POLL_ID, logged(created()))).toMatchObject({ status: 'draft', totalBallots: 0, position: 10n });
  });
});
