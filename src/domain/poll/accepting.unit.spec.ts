import { describe, expect, it } from 'vitest';
import { activePoll, pollClosed, pollCreated, pollOpened, pollState } from '../../testing/poll-fixtures.ts';
import { isAcceptingBallots } from './accepting.ts';

const window = { startsAt: '2030-01-01T12:00:00.000Z', endsAt: '2030-01-01T18:00:00.000Z' };

describe('isAcceptingBallots', () => {
  it('is true for an active poll without a window', () => {
    expect(isAcceptingBallots(activePoll(), '2031-01-01T00:00:00Z')).toBe(true);
  });

  it('is false for a missing, draft or closed poll', () => {
    expect(isAcceptingBallots(pollState([]), '2030-01-01T12:00:00Z')).toBe(false);
    expect(isAcceptingBallots(pollState([pollCreated()]), '2030-01-01T12:00:00Z')).toBe(false);
    expect(isAcceptingBallots(pollState([pollCreated(), pollOpened(), pollClosed()]), '2030-01-01T12:00:00Z')).toBe(false);
  });

  it('is false before startsAt and true from startsAt on (inclusive)', () => {
    expect(isAcceptingBallots(activePoll(window), '2030-01-01T11:59:59.999Z')).toBe(false);
    expect(isAcceptingBallots(activePoll(window), '2030-01-01T12:00:00.000Z')).toBe(true);
  });

  it('is false from endsAt on (exclusive), even with no PollClosed in the stream yet', () => {
    expect(isAcceptingBallots(activePoll(window), '2030-01-01T17:59:59.999Z')).toBe(true);
    expect(isAcceptingBallots(activePoll(window), '2030-01-01T18:00:00.000Z')).toBe(false);
    expect(isAcceptingBallots(activePoll(window), new Date('2030-01-02T00:00:00Z'))).toBe(false);
  });

  it('compares instants, not strings, across time zones', () => {
    expect(isAcceptingBallots(activePoll(window), '2030-01-01T19:30:00+02:00')).toBe(true);
  });

  it('is false for a time that cannot be read', () => {
    expect(isAcceptingBallots(activePoll(), 'not a time')).toBe(false);
  });
});
