-- The integrity chain (issue #7; src/audit/README.md documents it for third-party verifiers).
--
-- Every event carries hash = sha256(prev || int8send(revision) || digest), where prev is the hash
-- of the previous revision of its stream (32 zero bytes for revision 0) and digest is SHA-256 of
-- the event's content in canonical JSON, computed by the writer (src/audit/chain.ts). The append
-- INSERT (src/commands/event-store/postgres/append-batch.ts) computes the link itself: prev comes
-- from the same index probe on (stream, revision) that checks the expected revision, so the chain
-- adds no round trip and no lock, and appends to different streams stay independent.
--
-- hash is nullable only because rows can be written around the append path (tests do, to stage
-- races); the adapter always sets it, and `pollster audit verify` reports a row without one.
ALTER TABLE events
  ADD COLUMN hash bytea,
  -- 1: digest over canonical JSON (RFC 8785) of {data, id, metadata, stream, type};
  -- 0: rows backfilled below, digest over PostgreSQL's jsonb text of [type, data, metadata, stream, id]
  ADD COLUMN digest_format smallint NOT NULL DEFAULT 1;

-- One link of the chain; `first` restarts from `prev` (the stored head, or genesis), otherwise
-- the link continues from the previous row of the window (the previous event of the same append).
CREATE FUNCTION pollster_chain_step(state bytea, prev bytea, revision bigint, digest bytea, first boolean)
  RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN sha256(CASE WHEN first THEN prev ELSE state END || int8send(revision) || digest);

-- As a window aggregate it folds the events of one append in order, in the single INSERT.
CREATE AGGREGATE pollster_chain(bytea, bigint, bytea, boolean) (SFUNC = pollster_chain_step, STYPE = bytea);

-- Backfill, deterministic: each stream in revision order from genesis, digests in format 0 (JCS
-- cannot be computed inside PostgreSQL; jsonb's text form is fixed and documented instead). A
-- stream whose revision 0 is gone gets no hashes, which verify reports.
WITH digests AS (
  SELECT position, stream, revision,
         sha256(convert_to(jsonb_build_array(type, data, metadata, stream, id::text)::text, 'UTF8')) AS digest
    FROM events),
chained AS (
  SELECT position,
         pollster_chain(decode(repeat('00', 32), 'hex'), revision, digest, revision = 0)
           OVER (PARTITION BY stream ORDER BY revision) AS hash
    FROM digests)
UPDATE events e SET hash = c.hash, digest_format = 0 FROM chained c WHERE e.position = c.position;

COMMENT ON COLUMN events.hash IS
  'sha256(hash of the previous revision (32 zero bytes for revision 0) || int8send(revision) || content digest); see src/audit/README.md';

-- The worker's `audit-checkpoints` job (src/worker/jobs/audit-checkpoints.ts): how far it has read
-- the log, and per poll what is not yet under a signed checkpoint. Derived from the log like a
-- read model: dropped, the job starts over and signs fresh checkpoints.
CREATE TABLE audit_checkpoint_cursor (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  through bigint  NOT NULL
);

CREATE TABLE audit_polls (
  poll_id        uuid        PRIMARY KEY,
  -- events of the poll's streams read since its last checkpoint, and when the oldest was recorded
  pending        bigint      NOT NULL DEFAULT 0,
  pending_since  timestamptz,
  -- a PollClosed is among them: sign at once
  close_pending  boolean     NOT NULL DEFAULT false,
  -- the latest checkpoint signed: `pollster audit verify` reports a log that no longer holds it
  signed_through bigint,
  signed_at      timestamptz
);
