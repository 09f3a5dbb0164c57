import { createHash } from 'node:crypto';
import { canonicalJson } from '../event-store/integrity/canonical-json.ts';
import { merkleRoot, type StreamHead } from './merkle.ts';
import { signMessage, verifyMessage, type SigningKey } from './signing.ts';

/**
 * A signed checkpoint (README.md, "Checkpoints"): the event `AuditCheckpointSigned` in stream
 * `audit-<pollId>`, written by the worker's `audit-checkpoints` job. It commits to every event
 * of the poll's streams at or below `through`: the Merkle root over their heads at that position.
 * Positions travel as strings (JSON numbers lose precision past 2^53).
 */
export const CHECKPOINT_EVENT = 'AuditCheckpointSigned';
/** 2: chained (`sequence`, `previous`); 1: checkpoints signed before the chain, read and verified as they are. */
const CHECKPOINT_FORMAT = 'pollster-checkpoint/2';
const FORMATS = ['pollster-checkpoint/1', CHECKPOINT_FORMAT] as const;

export type CheckpointReason = 'events' | 'interval' | 'close' | 'manual';

export interface CheckpointBody {
  format: (typeof FORMATS)[number];
  pollId: string;
  /**
   * Chained checkpoints (format 2): this poll's checkpoints counted from 0 (the revision in
   * `audit-<pollId>`; format-1 checkpoints before it count too), and the hash
   * (`checkpointHash`) of the one before, null for the first. A rollback (a witness saw a higher
   * sequence), a fork (two checkpoints at one sequence, or one not naming the one before) and a
   * gap (a sequence skipped) are then evident to anyone who kept what they saw.
   */
  sequence?: number;
  previous?: string | null;
  /** Every event of the poll's streams with a position at or below this one is covered. */
  through: string;
  events: number;
  streams: number;
  merkleRoot: string;
  reason: CheckpointReason;
  signedAt: string;
  keyId: string;
  publicKey: string;
}

export interface Checkpoint extends CheckpointBody {
  /** Ed25519 over "pollster-checkpoint/1\n" + canonical JSON of every other field. */
  signature: string;
}

export interface PositionedHead {
  stream: string;
  revision: bigint;
  position: bigint;
  hash?: string | undefined;
}

/** The head of every stream as of `through` (its highest revision at or below that position; all when undefined). */
export function headsThrough(events: readonly PositionedHead[], through?: bigint): { heads: StreamHead[]; events: number } {
  const heads = new Map<string, StreamHead>();
  let count = 0;
  for (const e of events) {
    if (through !== undefined && e.position > through) continue;
    count++;
    const known = heads.get(e.stream);
    if (known === undefined || e.revision > known.revision) heads.set(e.stream, { stream: e.stream, revision: e.revision, hash: e.hash ?? '' });
  }
  return { heads: [...heads.values()], events: count };
}

export interface CheckpointInput {
  pollId: string;
  /** The poll's previous checkpoint, if it has one: the new one chains to it. */
  previous?: Checkpoint | undefined;
  /** Its place in the poll's checkpoints from 0: the revision it is appended at in `audit-<pollId>`. */
  sequence?: number;
  through: bigint;
  /** The poll's streams and the Merkle root over their heads (`treeOf`, or write-checkpoint.ts's MerkleLeaves). */
  tree: Tree;
  events: number;
  reason: CheckpointReason;
  signedAt: Date;
}

export interface Tree {
  streams: number;
  merkleRoot: string;
}

/** The tree over these heads, computed in one go. */
export function treeOf(heads: readonly StreamHead[]): Tree {
  return { streams: heads.length, merkleRoot: merkleRoot(heads) };
}

export function buildCheckpoint(input: CheckpointInput, key: SigningKey): Checkpoint {
  const body: CheckpointBody = {
    format: CHECKPOINT_FORMAT,
    pollId: input.pollId,
    sequence: input.sequence ?? 0,
    previous: input.previous ? checkpointHash(input.previous) : null,
    through: String(input.through),
    events: input.events,
    streams: input.tree.streams,
    merkleRoot: input.tree.merkleRoot,
    reason: input.reason,
    signedAt: input.signedAt.toISOString(),
    keyId: key.keyId,
    publicKey: key.publicKey,
  };
  return { ...body, signature: signMessage(key, CHECKPOINT_FORMAT, canonicalJson(body)) };
}

/** What the next checkpoint and witnesses name a checkpoint by: SHA-256 of its canonical JSON, signature included, hex. */
export function checkpointHash(checkpoint: Checkpoint): string {
  return createHash('sha256').update(canonicalJson(checkpoint)).digest('hex');
}

/** Whether `publicKey` signed exactly these fields. */
export function checkpointSignatureValid(checkpoint: Checkpoint, publicKey: string): boolean {
  const { signature, ...body } = checkpoint;
  return typeof signature === 'string' && verifyMessage(publicKey, checkpoint.format, canonicalJson(body), signature);
}

/** A checkpoint read back from the log, or undefined when the data is not one. */
export function asCheckpoint(data: unknown): Checkpoint | undefined {
  const c = data as Partial<Checkpoint> | null;
  if (c === null || typeof c !== 'object' || !FORMATS.includes(c.format as (typeof FORMATS)[number])) return undefined;
  if (c.format === CHECKPOINT_FORMAT && (!Number.isSafeInteger(c.sequence) || c.sequence! < 0 || !(c.previous === null || typeof c.previous === 'string'))) return undefined;
  const strings = [c.pollId, c.through, c.merkleRoot, c.signedAt, c.keyId, c.publicKey, c.signature, c.reason];
  if (!strings.every((s) => typeof s === 'string') || typeof c.events !== 'number' || typeof c.streams !== 'number') return undefined;
  if (!/^\d+$/.test(c.through!)) return undefined;
  return c as Checkpoint;
}
