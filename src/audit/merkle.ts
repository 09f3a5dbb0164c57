import { createHash, hash } from 'node:crypto';

/**
 * The Merkle tree a checkpoint signs (README.md, "Checkpoints"): RFC 6962's Merkle Tree Hash over
 * one leaf per stream of the poll, in byte order of the UTF-8 stream names:
 *   leaf  = SHA-256(0x00 ‖ uint32be(len(stream)) ‖ stream ‖ int64be(head revision) ‖ head hash)
 *   node  = SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below n
 *   empty = SHA-256("")
 * A standard construction, so inclusion proofs for one stream can be added later without a new format.
 */
export interface StreamHead {
  stream: string;
  revision: bigint;
  hash: string;
}

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};

// A checkpoint hashes every stream of its poll (two hashes a stream): one-shot hashes of one
// buffer each, where a hash object per part cost half of what checkpoints added to the ballot path.
const NODE = Buffer.from([1]);
export const nodeHash = (left: Buffer, right: Buffer): Buffer => hash('sha256', Buffer.concat([NODE, left, right], 65), 'buffer');

function leafOf(head: StreamHead, name: Buffer): Buffer {
  const digest = Buffer.from(head.hash, 'hex');
  const leaf = Buffer.allocUnsafe(13 + name.length + digest.length);
  leaf[0] = 0;
  leaf.writeUInt32BE(name.length, 1);
  name.copy(leaf, 5);
  leaf.writeBigInt64BE(head.revision, 5 + name.length);
  digest.copy(leaf, 13 + name.length);
  return hash('sha256', leaf, 'buffer');
}

export function leafHash(head: StreamHead): Buffer {
  return leafOf(head, Buffer.from(head.stream, 'utf8'));
}

/** The heads in byte order of their UTF-8 names, each name encoded once (not once per comparison). */
function inByteOrder(heads: readonly StreamHead[]): { head: StreamHead; name: Buffer }[] {
  return heads.map((head) => ({ head, name: Buffer.from(head.stream, 'utf8') })).sort((a, b) => Buffer.compare(a.name, b.name));
}

/** Hex root over the heads (sorted here; the caller's order does not matter). */
export function merkleRoot(heads: readonly StreamHead[]): string {
  const leaves = inByteOrder(heads).map(({ head, name }) => leafOf(head, name));
  return treeHash(leaves, 0, leaves.length).toString('hex');
}

function treeHash(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

/** The leaves of `merkleRoot`, in its order (for inclusion proofs). */
export function sortedHeads(heads: readonly StreamHead[]): StreamHead[] {
  return inByteOrder(heads).map(({ head }) => head);
}

/** RFC 6962 audit path (PATH(m, D[n]), section 2.1.1) of leaf `index` among `leaves`, hex. */
export function auditPath(leaves: readonly Buffer[], index: number): string[] {
  const path: Buffer[] = [];
  const walk = (from: number, to: number, m: number): void => {
    const n = to - from;
    if (n <= 1) return;
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m < k) {
      walk(from, from + k, m);
      path.push(treeHash(leaves, from + k, to));
    } else {
      walk(from + k, to, m - k);
      path.push(treeHash(leaves, from, from + k));
    }
  };
  walk(0, leaves.length, index);
  return path.map((p) => p.toString('hex'));
}

/** The root an audit path leads to from a leaf hash (RFC 9162, 2.1.3.2); undefined when the path cannot fit the tree size. */
export function rootFromPath(leaf: Buffer, index: number, size: number, path: readonly string[]): string | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const hex of path) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r.toString('hex') : undefined;
}
