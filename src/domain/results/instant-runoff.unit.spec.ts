import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { instantRunoff as irv, type WeightedRanking } from './instant-runoff.ts';
import { seededTieOrder } from './tie-break.ts';

/** Hand-worked elections: each `then` was counted on paper before it was written down. */
const times = (n: number, ranking: string[]) => Array.from({ length: n }, () => ranking);
const instantRunoff = (options: string[], rankings: string[][], tieOrder: string[]) =>
  irv(options, rankings.map((ranking): WeightedRanking => ({ ranking, ballots: 1 })), tieOrder);

describe('instant-runoff', () => {
  it('given a first-round majority, when tabulated, then that option wins in one round', () => {
    const result = instantRunoff(['A', 'B', 'C'], [['A', 'B'], ['A'], ['B', 'A']], ['A', 'B', 'C']);
    expect(result).toEqual({ rounds: [{ round: 1, tallies: { A: 2, B: 1, C: 0 }, eliminated: [], exhausted: 0 }], winner: 'A' });
  });

  it('given no majority, when the last option goes, then its ballots move to their next preference', () => {
    // 9 ballots, majority > 4.5: A 4, B 3, C 2 → C out, its 2 go to B → B 5 of 9.
    const rankings = [...times(4, ['A']), ...times(3, ['B', 'C']), ...times(2, ['C', 'B'])];
    expect(instantRunoff(['A', 'B', 'C'], rankings, ['A', 'B', 'C'])).toEqual({
      rounds: [
        { round: 1, tallies: { A: 4, B: 3, C: 2 }, eliminated: ['C'], exhausted: 0 },
        { round: 2, tallies: { A: 4, B: 5 }, eliminated: [], exhausted: 0 },
      ],
      winner: 'B',
    });
  });

  it('given partial rankings, when their options are out, then they are exhausted and leave the majority base', () => {
    // 10 ballots. R1: A4 B3 C2 D1 → D out ([D,C] → C). R2: A4 B3 C3, B and C tied: in R1 C had 2 < B's 3,
    // so C goes; its 3 ballots list nothing else → exhausted. R3: A4 B3, 3 exhausted: A has 4 of 7 active.
    const rankings = [...times(4, ['A', 'B']), ...times(3, ['B']), ...times(2, ['C']), ['D', 'C']];
    expect(instantRunoff(['A', 'B', 'C', 'D'], rankings, ['A', 'B', 'C', 'D'])).toEqual({
      rounds: [
        { round: 1, tallies: { A: 4, B: 3, C: 2, D: 1 }, eliminated: ['D'], exhausted: 0 },
        { round: 2, tallies: { A: 4, B: 3, C: 3 }, eliminated: ['C'], exhausted: 0 },
        { round: 3, tallies: { A: 4, B: 3 }, eliminated: [], exhausted: 3 },
      ],
      winner: 'A',
    });
  });

  it('given a tie in every round so far, when eliminating, then the seeded order decides', () => {
    // R1: A2 B1 C1 D0 → D out. R2: B and C tied now and in R1 → tie order: C before B, so C goes.
    const rankings = [...times(2, ['A']), ['B'], ['C']];
    const result = instantRunoff(['A', 'B', 'C', 'D'], rankings, ['C', 'D', 'B', 'A']);
    expect(result.rounds.map((r) => r.eliminated)).toEqual([['D'], ['C'], []]);
    expect(result.rounds[2]).toEqual({ round: 3, tallies: { A: 2, B: 1 }, eliminated: [], exhausted: 1 });
    expect(result.winner).toBe('A');
  });

  it('given an even split of two, when tabulated, then the tie order picks who goes and the other wins', () => {
    expect(instantRunoff(['X', 'Y'], [['X'], ['Y']], ['Y', 'X']).winner).toBe('X');
    expect(instantRunoff(['X', 'Y'], [['X'], ['Y']], ['X', 'Y']).winner).toBe('Y');
    expect(instantRunoff(['X', 'Y'], [['X'], ['Y']], ['X', 'Y']).rounds).toEqual([
      { round: 1, tallies: { X: 1, Y: 1 }, eliminated: ['X'], exhausted: 0 },
      { round: 2, tallies: { Y: 1 }, eliminated: [], exhausted: 1 },
    ]);
  });

  it('given grouped rankings, then each group weighs as many ballots as it holds', () => {
    const grouped = irv(['A', 'B', 'C'], [{ ranking: ['A'], ballots: 4 }, { ranking: ['B', 'C'], ballots: 3 }, { ranking: ['C', 'B'], ballots: 2 }], ['A', 'B', 'C']);
    expect(grouped).toEqual(instantRunoff(['A', 'B', 'C'], [...times(4, ['A']), ...times(3, ['B', 'C']), ...times(2, ['C', 'B'])], ['A', 'B', 'C']));
  });

  it('given no rankings, then there are no rounds and no winner', () => {
    expect(instantRunoff(['A', 'B'], [], ['A', 'B'])).toEqual({ rounds: [], winner: null });
  });

  it('given rankings of unknown options only, then they are exhausted in round 1 and nobody wins', () => {
    expect(instantRunoff(['A', 'B'], [['Z']], ['A', 'B'])).toEqual({
      rounds: [{ round: 1, tallies: { A: 0, B: 0 }, eliminated: [], exhausted: 1 }],
      winner: null,
    });
  });
});

describe('seededTieOrder', () => {
  it('orders options by sha256(pollId + optionId), ascending: the same for every replay, different per poll', () => {
    const hash = (s: string) => createHash('sha256').update(s).digest('hex');
    const ids = ['o-a', 'o-b', 'o-c', 'o-d'];
    const order = seededTieOrder('poll-1', ids);
    expect(order.map((id) => hash(`poll-1${id}`))).toEqual(ids.map((id) => hash(`poll-1${id}`)).sort());
    expect(seededTieOrder('poll-1', [...ids].reverse())).toEqual(order);
    expect(new Set(['poll-2', 'poll-3', 'poll-4'].map((p) => seededTieOrder(p, ids).join()))).not.toEqual(new Set([order.join()]));
  });
});
