import { checkStream, type StoredChainEvent } from '../event-store/integrity/chain.ts';
import { asCheckpoint, checkpointHash, checkpointSignatureValid, headsThrough, type Checkpoint } from './checkpoint.ts';
import { merkleRoot } from './merkle.ts';
import { keyIdOf } from './signing.ts';
import type { Problem } from './verify.ts';

export interface CheckpointSummary {
  revision: string;
  position: string;
  through: string;
  signedAt: string;
  reason: string;
  keyId: string;
  merkleRoot: string;
  signatureOk: boolean;
  merkleRootOk: boolean;
}

interface Input {
  pollId: string;
  events: readonly StoredChainEvent[];
  checkpoints: readonly (StoredChainEvent & { data: unknown })[];
  /** Fingerprints of the keys the verifier trusts (pinned, and those handed over to from there); undefined: none pinned. */
  trustedKeyIds?: ReadonlySet<string>;
  /** For messages: the key the verifier pinned. */
  pinnedKeyId?: string;
  expectedThrough?: bigint;
}

/**
 * Every checkpoint: its own chain (stream `audit-<id>`), its signature and key, `through` never
 * moving back. The latest: its Merkle root and event count recomputed from the events at or below
 * its `through`, which catches a deleted head, a forged event, a dropped stream; the chain alone
 * cannot, since anyone can compute SHA-256 but only the key holder can sign.
 */
export function checkCheckpoints(input: Input): { latest: CheckpointSummary | null; problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const at = (e: StoredChainEvent) => ({ stream: e.stream, revision: String(e.revision), position: String(e.position) });
  for (const p of checkStream(input.checkpoints)) {
    problems.push({ code: p.code, message: p.message, stream: p.stream, revision: String(p.revision), position: String(p.position) });
  }
  if (input.trustedKeyIds === undefined && input.checkpoints.length > 0) {
    warnings.push('no key pinned: each checkpoint was checked against the key it names; pin the fingerprint `pollster audit key` prints (--key)');
  }
  const ordered = [...input.checkpoints].sort((a, b) => (a.revision < b.revision ? -1 : 1));
  let latest: { event: StoredChainEvent; checkpoint: Checkpoint; signatureOk: boolean } | undefined;
  let previousThrough = -1n;
  for (const event of ordered) {
    const checkpoint = asCheckpoint(event.data);
    if (checkpoint === undefined || checkpoint.pollId !== input.pollId) {
      problems.push({ ...at(event), code: 'checkpoint.malformed', message: `not a checkpoint of poll ${input.pollId}` });
      continue;
    }
    let signatureOk = checkpointSignatureValid(checkpoint, checkpoint.publicKey);
    if (input.trustedKeyIds !== undefined && !input.trustedKeyIds.has(keyIdOf(checkpoint.publicKey))) {
      signatureOk = false;
      problems.push({
        ...at(event),
        code: 'checkpoint.unknown-key',
        message: `signed by key ${keyIdOf(checkpoint.publicKey)}, which no hand-over chains back to the trusted key ${input.pinnedKeyId ?? [...input.trustedKeyIds][0] ?? '(none)'}`,
      });
    } else if (!signatureOk) {
      problems.push({ ...at(event), code: 'checkpoint.bad-signature', message: 'the signature does not match the checkpoint' });
    }
    if (keyIdOf(checkpoint.publicKey) !== checkpoint.keyId) {
      problems.push({ ...at(event), code: 'checkpoint.key-id', message: 'keyId is not the fingerprint of publicKey' });
    }
    if (checkpoint.format !== 'pollster-checkpoint/1') {
      const before = latest?.checkpoint;
      if (checkpoint.sequence !== Number(event.revision) || checkpoint.previous !== (before ? checkpointHash(before) : null)) {
        problems.push({ ...at(event), code: 'checkpoint.chain', message: `checkpoint ${checkpoint.sequence} does not follow the one before it in the log (sequence or previous hash)` });
      }
    }
    const through = BigInt(checkpoint.through);
    if (through < previousThrough) {
      problems.push({ ...at(event), code: 'checkpoint.order', message: `through ${through} is before the previous checkpoint's ${previousThrough}` });
    }
    previousThrough = through > previousThrough ? through : previousThrough;
    latest = { event, checkpoint, signatureOk };
  }
  if (input.expectedThrough !== undefined && (latest === undefined || BigInt(latest.checkpoint.through) < input.expectedThrough)) {
    problems.push({ code: 'checkpoint.missing', message: `a checkpoint through ${input.expectedThrough} was signed, but the log's latest is ${latest?.checkpoint.through ?? 'none'}` });
  }
  const closed = input.events.find((e) => e.type === 'PollClosed');
  if (latest === undefined) {
    warnings.push('no signed checkpoint covers this poll yet: the chains are checked, but nothing ties the streams together');
    return { latest: null, problems, warnings };
  }
  if (closed !== undefined && BigInt(latest.checkpoint.through) < closed.position) {
    warnings.push('no signed checkpoint covers the close yet (the worker writes one shortly after PollClosed)');
  }
  const { checkpoint, event, signatureOk } = latest;
  const { heads, events } = headsThrough(input.events, BigInt(checkpoint.through));
  const root = merkleRoot(heads);
  const merkleRootOk = root === checkpoint.merkleRoot && events === checkpoint.events && heads.length === checkpoint.streams;
  if (!merkleRootOk) {
    problems.push({
      ...at(event),
      code: 'checkpoint.root-mismatch',
      message: `the events through ${checkpoint.through} (${events} in ${heads.length} streams, root ${root.slice(0, 16)}…) are not what was signed (${checkpoint.events} in ${checkpoint.streams}, root ${checkpoint.merkleRoot.slice(0, 16)}…)`,
    });
  }
  return {
    latest: {
      revision: String(event.revision),
      position: String(event.position),
      through: checkpoint.through,
      signedAt: checkpoint.signedAt,
      reason: checkpoint.reason,
      keyId: checkpoint.keyId,
      merkleRoot: checkpoint.merkleRoot,
      signatureOk,
      merkleRootOk,
    },
    problems,
    warnings,
  };
}
