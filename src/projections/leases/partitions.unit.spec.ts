import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ballotStream, pollStream, userStream } from '../../domain/shared/streams.ts';
import { partitionOfStream, pollIdOfStream, pollPartition, stableHash } from './partitions.ts';

const event = (stream: string) => ({ stream }) as Parameters<ReturnType<typeof pollPartition>['includes']>[0];

describe('pollIdOfStream', () => {
  const pollId = '6f1c2a9e-8d7b-4c3a-9e1f-0a2b3c4d5e6f';

  it('reads the poll id of poll and ballot streams, voter keys with dashes included', () => {
    expect(pollIdOfStream(pollStream(pollId))).toBe(pollId);
    expect(pollIdOfStream(ballotStream(pollId, `u.${randomUUID()}`))).toBe(pollId);
    expect(pollIdOfStream(ballotStream(pollId, 't.abc123'))).toBe(pollId);
  });

  it('has no poll id for other streams', () => {
    expect(pollIdOfStream(userStream(randomUUID()))).toBeUndefined();
    expect(pollIdOfStream('nationalid-abc')).toBeUndefined();
  });
});

describe('pollPartition', () => {
  it('puts a poll and all its ballots in the same partition', () => {
    for (let i = 0; i < 50; i++) {
      const pollId = randomUUID();
      const expected = partitionOfStream(pollStream(pollId), 8);
      expect(partitionOfStream(ballotStream(pollId, `u.${randomUUID()}`), 8)).toBe(expected);
      expect(partitionOfStream(ballotStream(pollId.toUpperCase(), 't.x'), 8)).toBe(expected);
    }
  });

  it('sends streams of no poll to partition 0', () => {
    expect(pollPartition(0, 4).includes(event(userStream(randomUUID())))).toBe(true);
    expect(pollPartition(1, 4).includes(event(userStream(randomUUID())))).toBe(false);
  });

  it('gives the only partition of one every stream, a name of no poll or a malformed one included', () => {
    const only = pollPartition(0, 1);
    for (const stream of [pollStream(randomUUID()), ballotStream(randomUUID(), 't.x-y'), userStream(randomUUID()), 'poll-', 'ballot-', 'ballot--', '']) {
      expect(only.includes(event(stream))).toBe(true);
      expect(partitionOfStream(stream, 1)).toBe(0);
    }
  });

  it('splits polls over every partition, each exactly once', () => {
    const count = 4;
    const parts = Array.from({ length: count }, (_, i) => pollPartition(i, count));
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const stream = pollStream(randomUUID());
      const owners = parts.filter((p) => p.includes(event(stream)));
      expect(owners).toHaveLength(1);
      seen.add(parts.indexOf(owners[0]!));
    }
    expect(seen.size).toBe(count);
  });

  it('names partitions as in checkpoint names and is stable across versions', () => {
    expect(pollPartition(3, 16).id).toBe('3/16');
    // Fixed values: a change here re-routes events away from their stored checkpoints.
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(() => pollPartition(4, 4)).toThrow(RangeError);
  });
});
