import { hash } from 'node:crypto';
import { merkleRoot } from './merkle.ts';

/** Bytes of a leaf or node hash. */
export const HASH_BYTES = 32;

/**
 * merkle.ts's root over leaf hashes laid end to end (HASH_BYTES each, in name order), and the
 * RFC 6962 audit path of leaf `index` if asked (merkle.ts's auditPath): the sibling at each level
 * where there is one, deepest first. Bottom up: each level pairs its nodes left to right and lifts
 * an odd last one unchanged, which builds RFC 6962's tree (split at the largest power of two below
 * n). One buffer a level and one 65-byte scratch for every node's input, instead of a Buffer per
 * node: this runs on tree-thread.ts, where nothing else waits for it.
 */
export function packedTree(leaves: Uint8Array, index = -1): { root: string; path: string[] } {
  if (leaves.length % HASH_BYTES !== 0) throw new RangeError(`packed leaves must be ${HASH_BYTES} bytes each, not ${leaves.length} bytes in all`);
  let count = leaves.length / HASH_BYTES;
  if (count === 0) return { root: merkleRoot([]), path: [] };
  if (index >= count) throw new RangeError(`leaf ${index} of a tree of ${count}`);
  const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
  scratch[0] = 1;
  const path: string[] = [];
  let at = index;
  let level = Buffer.from(leaves.buffer, leaves.byteOffset, leaves.byteLength);
  while (count > 1) {
    if (at >= 0) {
      const sibling = at ^ 1;
      if (sibling < count) path.push(level.toString('hex', sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
      at >>= 1;
    }
    const next = Buffer.allocUnsafe(Math.ceil(count / 2) * HASH_BYTES);
    let i = 0;
    for (; i + 1 < count; i += 2) {
      level.copy(scratch, 1, i * HASH_BYTES, (i + 2) * HASH_BYTES);
      hash('sha256', scratch, 'buffer').copy(next, (i / 2) * HASH_BYTES);
    }
    if (i < count) level.copy(next, (i / 2) * HASH_BYTES, i * HASH_BYTES, count * HASH_BYTES);
    level = next;
    count = next.length / HASH_BYTES;
  }
  return { root: level.toString('hex', 0, HASH_BYTES), path };
}
