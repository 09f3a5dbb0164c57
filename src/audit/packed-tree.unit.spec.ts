import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditPath, leafHash, merkleRoot, sortedHeads, type StreamHead } from './merkle.ts';
import { packedTree } from './packed-tree.ts';

const head = (stream: string): StreamHead => ({ stream, revision: 0n, hash: randomBytes(32).toString('hex') });

describe('packedTree', () => {
  it("is merkle.ts's root and audit path for every size, on and off powers of two", () => {
    for (const n of [0, 1, 2, 3, 5, 8, 13, 37, 1_024, 2_500]) {
      const heads = sortedHeads(Array.from({ length: n }, (_, i) => head(`ballot-p-${i}`)));
      const leaves = heads.map(leafHash);
      const packed = Buffer.concat(leaves);
      expect(packedTree(packed).root).toBe(merkleRoot(heads));
      for (const i of n > 40 ? [0, 1, 700, n - 2, n - 1] : [...leaves.keys()]) {
        expect(packedTree(packed, i)).toEqual({ root: merkleRoot(heads), path: auditPath(leaves, i) });
      }
    }
  });

  it('refuses leaves that are not whole hashes and a leaf past the end', () => {
    expect(() => packedTree(new Uint8Array(33))).toThrow('32 bytes each');
    expect(() => packedTree(new Uint8Array(64), 2)).toThrow('leaf 2 of a tree of 2');
  });
});
