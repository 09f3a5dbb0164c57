-- Bookkeeping of the projection runtime (src/projections/runtime).
--
-- A Postgres projection updates its rows and its checkpoint in one transaction, so after a crash
-- the checkpoint says exactly which events the rows contain: none counted twice, none skipped.
CREATE TABLE projection_checkpoints (
  -- the projection's name (later: name plus partition, once work is split by leases)
  name       text        PRIMARY KEY,
  -- `$all` position through which the log has been applied (or parked); 0 = nothing yet
  position   bigint      NOT NULL DEFAULT 0 CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Events a projection could not apply after retries ("poison"): parked with the error so the
-- projection goes on; an operator fixes the cause and rebuilds (or replays) the projection.
CREATE TABLE parked_events (
  projection text        NOT NULL,
  position   bigint      NOT NULL,
  event_id   uuid        NOT NULL,
  stream     text        NOT NULL,
  type       text        NOT NULL,
  error      text        NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, position)
);
