import { createHmac, createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pollKey, type VoterKeyring } from './voter-keys.ts';

const secrets = { k1: 'first-secret-of-the-ring-0123456789', k2: 'second-secret-of-the-ring-987654321' };
const ring: VoterKeyring = {
  current: 'k2',
  base: 'k1',
  key: (id) => createSecretKey(Buffer.from(secrets[(id ?? 'k1') as keyof typeof secrets])),
};
const bytes = (key: ReturnType<typeof pollKey>) => key.export().toString('hex');

describe('pollKey', () => {
  it('is HMAC(ring key, "poll:<id>") byte for byte: holding keys as KeyObjects changed no voter key', () => {
    const expected = createHmac('sha256', secrets.k2).update('poll:p-1').digest('hex');
    expect(bytes(pollKey(ring, { pollId: 'p-1', voterKeyId: 'k2' }))).toBe(expected);
    // A poll without a recorded key id uses the base key.
    expect(bytes(pollKey(ring, { pollId: 'p-1' }))).toBe(createHmac('sha256', secrets.k1).update('poll:p-1').digest('hex'));
  });

  it('differs per poll and per ring key, also when served from its cache', () => {
    const seen = new Set<string>();
    for (let round = 0; round < 2; round++) {
      for (const pollId of ['p-1', 'p-2']) for (const voterKeyId of ['k1', 'k2']) seen.add(`${round}:${bytes(pollKey(ring, { pollId, voterKeyId }))}`);
    }
    const keys = [...seen].map((s) => s.slice(2));
    expect(new Set(keys).size).toBe(4);
    expect(keys.slice(0, 4)).toEqual(keys.slice(4));
  });
});
