import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MerkleLeaves } from './merkle-leaves.ts';
import { auditPath, leafHash, merkleRoot, rootFromPath, sortedHeads, type StreamHead } from './merkle.ts';

// Names whose UTF-16 order differs from their UTF-8 byte order (é, U+FFFD, an emoji) among ASCII ones.
const NAMES = ['ballot-p-u.a', 'ballot-p-é', 'ballot-p-\u{1F600}', 'ballot-p-\uFFFD', 'poll-p', 'ballot-p-Z', 'ballot-p-z', 'ballot-p-'];
const head = (stream: string, revision = 0n): StreamHead => ({ stream, revision, hash: randomBytes(32).toString('hex') });

describe('MerkleLeaves', () => {
  it('gives the root merkle.ts gives for the same heads, as streams arrive in any order and heads move on between roots', async () => {
    const leaves = new MerkleLeaves();
    const current = new Map<string, StreamHead>();
    const streams: string[] = [];
    const set = (h: StreamHead): void => {
      if (!current.has(h.stream)) streams.push(h.stream);
      current.set(h.stream, h);
      leaves.set(h);
    };
    expect(await leaves.root()).toBe(merkleRoot([]));
    let next = 0;
    // 45,000: sorted in runs and merged walking along; the small ones found by binary search
    for (const batch of [1, 1, 7, 30, 200, 1_500, 45_000, 300]) {
      for (let i = 0; i < batch; i++) {
        // a random place in name order for each new stream, and some existing heads moved on
        set(head(`${NAMES[next % NAMES.length]}${randomBytes(3).toString('hex')}-${next}`));
        next++;
        if (i % 5 === 0) {
          const moved = current.get(streams[Math.floor(Math.random() * streams.length)]!)!;
          set(head(moved.stream, moved.revision + 1n));
        }
      }
      expect(leaves.size).toBe(current.size);
      expect(await leaves.root()).toBe(merkleRoot([...current.values()]));
    }
  });

  it('keeps a root being hashed to the heads it was asked for: a head set meanwhile counts for the next root, and roots come one at a time', async () => {
    const leaves = new MerkleLeaves();
    const heads = Array.from({ length: 5_000 }, (_, i) => head(`ballot-p-${i}`));
    for (const h of heads) leaves.set(h);
    const pending = leaves.root();
    const moved = head('ballot-p-0', 1n);
    const added = head('ballot-p-new');
    leaves.set(moved);
    leaves.set(added);
    await expect(leaves.root()).rejects.toThrow('one root at a time');
    expect(await pending).toBe(merkleRoot(heads));
    expect(await leaves.root()).toBe(merkleRoot([moved, ...heads.slice(1), added]));
  });

  it("gives each stream merkle.ts's audit path, which leads from its leaf to the root, and none for a stream it never saw", async () => {
    for (const n of [1, 2, 3, 5, 8, 13, 37, 1_500]) {
      const heads = Array.from({ length: n }, (_, i) => head(`${NAMES[i % NAMES.length]}${i}`));
      const leaves = new MerkleLeaves();
      for (const h of heads) leaves.set(h);
      const sorted = sortedHeads(heads);
      const hashes = sorted.map(leafHash);
      for (const i of n > 40 ? [0, 1, 700, n - 2, n - 1] : sorted.keys()) {
        const proof = (await leaves.auditPath(sorted[i]!.stream))!;
        expect(proof).toEqual({ index: i, size: n, root: merkleRoot(heads), path: auditPath(hashes, i) });
        expect(rootFromPath(hashes[i]!, i, n, proof.path)).toBe(proof.root);
      }
    }
    expect(await new MerkleLeaves().auditPath('ballot-p-none')).toBeUndefined();
  });
});
