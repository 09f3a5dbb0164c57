-- The event log: the single source of truth (docs: ARCHITECTURE.md, "Event store port").
--
-- position: commit order without holes, from the transaction id (the xid8 technique).
--   position = (pg_current_xact_id()::text::bigint << 20) + ordinal
-- where ordinal (1 .. 2^20-1) is the event's index inside its writing transaction, so ordering
-- by position is ordering by (transaction id, ordinal). Transaction ids are handed out in start
-- order, not commit order, so a transaction with a lower id can commit after one with a higher
-- id. A reader of $all therefore only reads
--   position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)
-- i.e. only events of transactions older than every transaction still in progress: everything
-- below that bound is final (committed or rolled back), so the reader never passes an event that
-- later commits with a lower position, and a rolled-back transaction only leaves a hole in the
-- numbering that stalls nobody. A plain sequence would give no such guarantee.
-- There is no global lock and no row that every append updates: appends to different streams
-- never wait on each other. With 2^43 transaction ids available, positions stay below 2^53 (a
-- safe JS number) for the first 2^33 (8.6e9) transactions.
CREATE TABLE events (
  position    bigint      PRIMARY KEY,
  id          uuid        NOT NULL UNIQUE,
  stream      text        NOT NULL,
  -- the stream name up to the first '-', stored so $all can be filtered by an index
  category    text        NOT NULL,
  revision    bigint      NOT NULL,
  type        text        NOT NULL,
  data        jsonb       NOT NULL,
  metadata    jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- optimistic concurrency: two writers of the same revision of a stream cannot both commit
  UNIQUE (stream, revision),
  CHECK (revision >= 0)
);

-- subscriptions to $all filtered by category read (category, position) ranges
CREATE INDEX events_category_position ON events (category, position);

COMMENT ON COLUMN events.position IS
  '(pg_current_xact_id() << 20) + ordinal within the transaction; readers of $all read only below pg_snapshot_xmin(pg_current_snapshot()) << 20';
