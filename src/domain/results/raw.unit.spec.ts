import { describe, expect, it } from 'vitest';
import { cast, closed, created, flag, opened, ranked, review, single, type ResultsEvent } from '../../testing/results-fixtures.ts';
import { POLL_ID } from '../../testing/poll-fixtures.ts';
import { countBallots } from './counts.ts';
import { rawTallyFromCounters, rawTallyOf } from './raw.ts';
import { tally, type LoggedEvent, applyToTally, initialTally } from './tally.ts';

const logged = (...events: ResultsEvent[]): LoggedEvent[] =>
  events.map((event, i) => ({ type: event.type, data: event.data, position: BigInt((i + 1) * 10) }));

const log = logged(
  created(), opened(),
  cast('b1', [single('o-pizza'), ranked('o-a', 'o-b')]),
  cast('b2', [single('o-sushi'), ranked('o-b')]),
  cast('b3', [single('o-sushi'), ranked('o-c', 'o-a')]),
  flag('b2', 'f1'), flag('b3', 'f2'), flag('b3', 'f3'),
  review('b2', 'f1', 'reject'), review('b3', 'f2', 'uphold'),
  closed(),
  cast('late', [single('o-pizza')]),
);

describe('raw tally', () => {
  it('counts what the adjudicated results count plus rejected ballots, never ballots after the close', () => {
    const raw = rawTallyOf(POLL_ID, log)!;
    const adjudicated = tally(POLL_ID, log)!;
    expect(adjudicated.totalBallots).toBe(2);
    expect(raw).toMatchObject({ totalBallots: 3, rejectedBallots: 1, pendingFlags: 1, position: adjudicated.position });
    expect(raw.questions[0]!.options.map((o) => o.votes)).toEqual([1, 2]);
  });

  it('from the read model’s counters plus the rejected standings equals the replay', () => {
    const state = initialTally();
    for (const event of log) applyToTally(state, POLL_ID, event);
    const standings = [...state.ballots.values()];
    const counted = countBallots(standings);
    const rejected = standings.filter((b) => b.rejected);
    const pending = standings.reduce((n, b) => n + b.pendingFlags.length, 0);
    expect(rawTallyFromCounters(state.poll!, counted, rejected, pending)).toEqual(rawTallyOf(POLL_ID, log));
  });
});
