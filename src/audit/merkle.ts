import { createHash } from 'node:crypto';
import { int64be } from '../event-store/integrity/chain.ts';

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

export function leafHash(head: StreamHead): Buffer {
  const name = Buffer.from(head.stream, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return sha256(Buffer.from([0]), length, name, int64be(head.revision), Buffer.from(head.hash, 'hex'));
}

const byStreamBytes = (a: StreamHead, b: StreamHead): number => Buffer.compare(Buffer.from(a.stream, 'utf8'), Buffer.from(b.stream, 'utf8'));

/** Hex root over the heads (sorted here; the caller's order does not matter). */
export function merkleRoot(heads: readonly StreamHead[]): string {
  const leaves = [...heads].sort(byStreamBytes).map(leafHash);
  return treeHash(leaves, 0, leaves.length).toString('hex');
}

function treeHash(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha256(Buffer.from([1]), treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}
