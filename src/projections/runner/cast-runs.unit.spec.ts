import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../event-store/port.ts';
import { inLogOrderWithCastRuns, lastChangeOfEachBallot, type ChangeAt } from './cast-runs.ts';

let position = 0n;
const recorded = (type: string, ballotId = ''): RecordedEvent =>
  ({ id: `e${++position}`, stream: `ballot-p-${ballotId}`, revision: 0n, position, type, data: { ballotId }, metadata: {}, recordedAt: new Date(0) }) as unknown as RecordedEvent;

describe('inLogOrderWithCastRuns', () => {
  it('hands each run to one call per kind, casts first, and keeps every other event in log order between the runs', async () => {
    const calls: string[] = [];
    const ids = (run: readonly { data: unknown }[]) => run.map((e) => (e.data as { ballotId: string }).ballotId).join(',');
    await inLogOrderWithCastRuns(
      [
        recorded('BallotCast', 'a'), recorded('BallotFlagged', 'a'), recorded('BallotChanged', 'a'), recorded('BallotCast', 'b'),
        recorded('VoteTokensIssued'), recorded('BallotChanged', 'b'), recorded('PollClosed'), recorded('BallotChanged', 'a'),
      ],
      {
        casts: async (run) => void calls.push(`casts ${ids(run)}`),
        changes: async (run) => void calls.push(`changes ${ids(run)}`),
        flags: async (run) => void calls.push(`flags ${ids(run)}`),
        other: async (event) => void calls.push(event.type),
        ignored: new Set(['VoteTokensIssued']),
      },
    );
    expect(calls).toEqual(['casts a,b', 'changes a,b', 'flags a', 'PollClosed', 'changes a']);
  });

  it('without a changes handler, a change ends the run and goes to `other` on its own', async () => {
    const calls: string[] = [];
    await inLogOrderWithCastRuns([recorded('BallotCast', 'a'), recorded('BallotChanged', 'a'), recorded('BallotCast', 'b')], {
      casts: async (run) => void calls.push(`casts ${run.length}`),
      other: async (event) => void calls.push(event.type),
    });
    expect(calls).toEqual(['casts 1', 'BallotChanged', 'casts 1']);
  });
});

describe('lastChangeOfEachBallot', () => {
  const change = (ballotId: string, at: bigint) => ({ data: { ballotId }, position: at }) as unknown as ChangeAt;

  it('keeps the last change of each ballot, in the log order of those last changes', () => {
    const kept = lastChangeOfEachBallot([change('a', 1n), change('b', 2n), change('a', 3n), change('c', 4n), change('b', 5n)]);
    expect(kept.map((c) => [c.data.ballotId, c.position])).toEqual([['a', 3n], ['c', 4n], ['b', 5n]]);
  });
});
