import { parseReceipt, receiptMatches } from '../domain/ballot/receipt.ts';
import { ConflictError, NotFoundError } from '../domain/shared/errors.ts';
import { auditStream, ballotStream } from '../domain/shared/streams.ts';
import { contentDigest, link } from '../event-store/integrity/chain.ts';
import type { EventStore } from '../event-store/port.ts';
import { asStored } from '../event-store/schema-versions.ts';
import { asCheckpoint, checkpointHash, checkpointSignatureValid, type Checkpoint } from './checkpoint.ts';
import { MerkleLeaves } from './merkle-leaves.ts';
import { leafHash, rootFromPath, type StreamHead } from './merkle.ts';
import { pollHeadPages } from './poll-log.ts';
import { keyIdOf } from './signing.ts';

/**
 * A receipt proven included under one checkpoint a witness kept (README.md, "Witnesses"): the
 * receipt's event hash, the digests of the events after it in its ballot stream up to the head
 * the checkpoint signed (the chain carries the hash forward), and the RFC 6962 audit path from
 * that head's leaf to the checkpoint's Merkle root. Checked by `verifyInclusion` with nothing but
 * the proof, the receipt, the checkpoint's hash and the pinned keys.
 */
export interface InclusionProof {
  format: 'pollster-inclusion/1';
  receipt: string;
  checkpoint: Checkpoint;
  event: { stream: string; revision: string; position: string; hash: string };
  /** Content digests (hex) of the stream's events after the receipt's, up to the signed head. */
  chain: string[];
  leaf: { stream: string; revision: string; hash: string; index: number };
  treeSize: number;
  path: string[];
}

const BALLOT = /^ballot-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/;

export async function proveInclusion(store: EventStore, receipt: string, wanted: string): Promise<InclusionProof> {
  const parsed = parseReceipt(receipt);
  const page = parsed.position > 0n ? await store.readAll({ from: parsed.position - 1n, limit: 1 }) : { events: [] };
  const event = page.events[0];
  const pollId = event && event.position === parsed.position ? BALLOT.exec(event.stream)?.[1] : undefined;
  if (!event || !pollId || !receiptMatches(parsed, event.hash)) throw new NotFoundError('receipt.not-found', 'no ballot event of the log matches this receipt');
  const checkpoint = (await store.readStream(auditStream(pollId))).map((e) => asCheckpoint(e.stored?.data ?? e.data)).find((c) => c && checkpointHash(c) === wanted.toLowerCase());
  if (!checkpoint) throw new NotFoundError('checkpoint.not-found', `poll ${pollId} has no checkpoint with hash ${wanted}`);
  const through = BigInt(checkpoint.through);
  if (through < event.position) throw new ConflictError('checkpoint.not-covering', `checkpoint ${wanted.slice(0, 16)}… covers the log through ${through}, before the receipt's position ${event.position}`);
  // The poll's heads only (no event's content), hashed in slices: anyone may ask for a proof.
  const tree = new MerkleLeaves();
  let head: StreamHead | undefined;
  for await (const page of pollHeadPages(store, pollId, 0n, through)) {
    for (const e of page) {
      const h = { stream: e.stream, revision: e.revision, hash: e.hash ?? '' };
      tree.set(h);
      if (e.stream === event.stream) head = h;
    }
  }
  const proven = (await tree.auditPath(event.stream))!;
  // Only the receipt's own stream is read whole: the digests that carry its hash to the signed head.
  const after = (await store.readStream(event.stream)).map(asStored).filter((e) => e.revision > event.revision && e.revision <= head!.revision);
  return {
    format: 'pollster-inclusion/1',
    receipt,
    checkpoint,
    event: { stream: event.stream, revision: String(event.revision), position: String(event.position), hash: event.hash! },
    chain: after.map((e) => contentDigest(e, e.digestFormat ?? 1).toString('hex')),
    leaf: { stream: head!.stream, revision: String(head!.revision), hash: head!.hash, index: proven.index },
    treeSize: proven.size,
    path: proven.path,
  };
}

/** Problems with a proof (none: the receipt's ballot is under that checkpoint, signed by a trusted key). */
export function verifyInclusion(proof: InclusionProof, expect: { receipt: string; checkpoint: string; trustedKeyIds?: ReadonlySet<string> }): string[] {
  const problems: string[] = [];
  const c = proof.checkpoint;
  if (asCheckpoint(c) === undefined) return ['the proof holds no checkpoint'];
  if (checkpointHash(c) !== expect.checkpoint.toLowerCase()) problems.push(`the proof is under checkpoint ${checkpointHash(c).slice(0, 16)}…, not the one asked for (${expect.checkpoint.slice(0, 16)}…)`);
  if (!checkpointSignatureValid(c, c.publicKey)) problems.push('the checkpoint signature does not verify');
  if (expect.trustedKeyIds && !expect.trustedKeyIds.has(keyIdOf(c.publicKey))) problems.push(`the checkpoint is signed by key ${keyIdOf(c.publicKey)}, which does not chain back to the pinned key`);
  const parsed = parseReceipt(expect.receipt);
  if (proof.receipt !== expect.receipt || BigInt(proof.event.position) !== parsed.position || !receiptMatches(parsed, proof.event.hash)) problems.push('the proof is for another receipt');
  if (!proof.event.stream.startsWith(ballotStream(c.pollId, '')) || proof.leaf.stream !== proof.event.stream) problems.push("the proof's event is not a ballot of the checkpoint's poll");
  if (BigInt(proof.event.position) > BigInt(c.through)) problems.push('the checkpoint does not reach the receipt');
  let hash: Buffer = Buffer.from(proof.event.hash, 'hex');
  const revision = BigInt(proof.event.revision);
  proof.chain.forEach((digest, i) => {
    hash = link(hash, revision + BigInt(i + 1), Buffer.from(digest, 'hex'));
  });
  if (hash.toString('hex') !== proof.leaf.hash || revision + BigInt(proof.chain.length) !== BigInt(proof.leaf.revision)) problems.push("the ballot stream's chain does not lead from the receipt to the signed head");
  const leaf = leafHash({ stream: proof.leaf.stream, revision: BigInt(proof.leaf.revision), hash: proof.leaf.hash });
  const root = rootFromPath(leaf, proof.leaf.index, proof.treeSize, proof.path);
  if (root !== c.merkleRoot || proof.treeSize !== c.streams) problems.push("the audit path does not lead to the checkpoint's Merkle root");
  return problems;
}
