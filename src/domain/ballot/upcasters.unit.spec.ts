import { describe, expect, it } from 'vitest';
import { ballotCastV1ToV2 } from './upcasters.ts';

// A BallotCast as version 1 stored it (tests/fixtures/v1-poll.export.jsonl holds real ones).
const v1 = (voterKey: unknown) => ({
  ballotId: 'b-1', pollId: 'p-1', voterKey, answers: [{ questionId: 'q-1', optionIds: ['o-1'] }],
  meta: { ipPrefix: null, device: null, country: null, userAgentHash: null }, castAt: '2030-01-01T12:00:00.000Z',
});

describe('BallotCast version 1 → 2', () => {
  it('given a stored version-1 ballot, adds voterKind from the prefix its voter key was made with, and changes nothing else', () => {
    for (const [key, kind] of [['u.user-1', 'account'], ['a.9f86d0', 'pseudonym'], ['t.e3b0c4', 'token'], ['f.5feceb', 'fingerprint']] as const) {
      expect(ballotCastV1ToV2(v1(key))).toEqual({ ...v1(key), voterKind: kind });
    }
  });

  it('given a key with no known prefix, or none at all, says unknown rather than guessing', () => {
    expect(ballotCastV1ToV2(v1('voter-7')).voterKind).toBe('unknown');
    expect(ballotCastV1ToV2(v1(undefined)).voterKind).toBe('unknown');
    expect(ballotCastV1ToV2(v1(42)).voterKind).toBe('unknown');
  });

  it('leaves the stored data untouched (a fresh object)', () => {
    const stored = Object.freeze(v1('u.user-1'));
    const current = ballotCastV1ToV2(stored);
    expect(current).not.toBe(stored);
    expect(stored).not.toHaveProperty('voterKind');
  });
});
