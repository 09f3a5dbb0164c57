import Type from 'typebox';
import { Position, Uuid } from '../../schemas/common.ts';

/** Shapes of the audit operations (API.md, "Audit"); positions and revisions as integers. */
const Problem = Type.Object({
  code: Type.String({ description: 'e.g. chain.hash-mismatch, checkpoint.root-mismatch, results.mismatch' }),
  message: Type.String(),
  stream: Type.Optional(Type.String()),
  revision: Type.Optional(Type.Integer({ minimum: 0 })),
  position: Type.Optional(Position),
});

const CheckpointSummary = Type.Object({
  revision: Type.Integer({ minimum: 0 }),
  position: Position,
  through: { ...Position, description: 'every event of the poll at or below this log position is covered' },
  signedAt: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  keyId: Type.String(),
  merkleRoot: Type.String(),
  signatureOk: Type.Boolean(),
  merkleRootOk: Type.Boolean(),
});

export const VerifyReportView = Type.Object({
  ok: Type.Boolean({ description: 'no problem found' }),
  pollId: Uuid,
  eventsChecked: Type.Integer({ minimum: 0 }),
  streams: Type.Integer({ minimum: 0 }),
  chainOk: Type.Boolean(),
  checkpoint: Type.Union([CheckpointSummary, Type.Null()], { description: 'the latest signed checkpoint, as checked' }),
  checkpointsChecked: Type.Integer({ minimum: 0 }),
  resultsMatch: Type.Union([Type.Boolean(), Type.Null()], { description: 'the read model equals a replay of the log' }),
  headHash: Type.String({ description: 'Merkle root over the current heads of the poll streams' }),
  problems: Type.Array(Problem),
  warnings: Type.Array(Type.String()),
});

export const AuditEventsQuery = Type.Object(
  {
    after: Type.Optional({ ...Position, description: 'events after this log position (the previous page\'s nextCursor)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const AuditEventsPageView = Type.Object({
  items: Type.Array(
    Type.Object({
      position: Position,
      stream: Type.String(),
      revision: Type.Integer({ minimum: 0 }),
      id: Uuid,
      type: Type.String(),
      recordedAt: Type.String({ format: 'date-time' }),
      hash: Type.Union([Type.String(), Type.Null()], { description: 'integrity-chain hash, hex' }),
      data: Type.Unknown(),
      metadata: Type.Record(Type.String(), Type.Unknown()),
      redacted: Type.Boolean({ description: 'voter identities blanked out (anonymous poll, or the caller is not an auditor)' }),
    }),
  ),
  nextCursor: Type.Union([Position, Type.Null()]),
});

export const ReceiptParams = Type.Object({ receipt: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'as castBallot returned it' }) });

export const ReceiptView = Type.Object({
  included: Type.Boolean(),
  position: Type.Optional(Position),
  pollId: Type.Optional(Uuid),
  ballotId: Type.Optional(Uuid),
  eventType: Type.Optional(Type.Union([Type.Literal('BallotCast'), Type.Literal('BallotChanged')])),
  status: Type.Optional(
    Type.Union([Type.Literal('counted'), Type.Literal('flagged'), Type.Literal('changed'), Type.Literal('rejected'), Type.Literal('after-close')], {
      description: 'counted; flagged (counted, pending review); changed (replaced by a later change); rejected by a reviewer; after-close (never counted)',
    }),
  ),
  changedAt: Type.Optional(Position),
  rejectedAt: Type.Optional(Position),
  intact: Type.Optional(Type.Boolean({ description: 'the ballot stream\'s chain recomputes up to this event' })),
  checkpoint: Type.Optional(
    Type.Union([
      Type.Object({ revision: Type.Integer({ minimum: 0 }), position: Position, through: Position, signedAt: Type.String({ format: 'date-time' }), keyId: Type.String(), merkleRoot: Type.String() }),
      Type.Null(),
    ], { description: 'the signed checkpoint covering this ballot; null until the worker signs one' }),
  ),
});

export const PublicKeyView = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  publicKey: Type.String({ description: 'raw 32-byte public key, base64url' }),
  keyId: Type.String({ description: 'first 16 bytes of SHA-256(public key), hex' }),
  pem: Type.String({ description: 'SPKI PEM' }),
});

const Revision = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'stream revision' });
const Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const FeedQuery = Type.Object(
  {
    after: Type.Optional({ ...Position, description: "checkpoints and hand-overs after this log position (the previous page's next)" }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
  },
  { additionalProperties: false },
);

/** A checkpoint as signed (src/audit/README.md, "Checkpoints"); passed through as the log holds it. */
const SignedCheckpoint = Type.Record(Type.String(), Type.Unknown(), { description: 'AuditCheckpointSigned data: format, pollId, sequence, previous, through, events, streams, merkleRoot, reason, signedAt, keyId, publicKey, signature' });

export const FeedPageView = Type.Object({
  items: Type.Array(
    Type.Union([
      Type.Object({ kind: Type.Literal('checkpoint'), position: Position, hash: Hex, checkpoint: SignedCheckpoint }),
      Type.Object({ kind: Type.Literal('handover'), position: Position, handover: Type.Record(Type.String(), Type.Unknown(), { description: 'AuditKeyHandedOver data' }) }),
    ]),
  ),
  next: Position,
  head: Position,
});

export const ProofQuery = Type.Object({ checkpoint: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'the checkpoint hash, as a witness kept it' }) }, { additionalProperties: false });

export const InclusionProofView = Type.Object({
  format: Type.Literal('pollster-inclusion/1'),
  receipt: Type.String(),
  checkpoint: SignedCheckpoint,
  event: Type.Object({ stream: Type.String(), revision: Revision, position: Position, hash: Hex }),
  chain: Type.Array(Hex, { description: "content digests of the ballot stream's later events up to the signed head" }),
  leaf: Type.Object({ stream: Type.String(), revision: Revision, hash: Hex, index: Type.Integer({ minimum: 0 }) }),
  treeSize: Type.Integer({ minimum: 1 }),
  path: Type.Array(Hex, { description: 'RFC 6962 audit path, leaf to root' }),
});
