-- Bookkeeping of the worker's background jobs (src/worker/jobs). Not read models: these record
-- effects outside the log (an HTTP POST, files written), which a replay must never repeat.

-- One row per (poll, milestone) once the milestone job has recorded MilestoneReached: the row is
-- the outbox of its webhook and the guarantee that it is POSTed at most once.
--   pending   due at next_attempt_at (first try, or a retry after a failure known not to have arrived)
--   sending   claimed by the worker holding the webhooks lease, POST in flight
--   delivered the receiver answered 2xx
--   failed    given up: a permanent 4xx, or WEBHOOK_MAX_ATTEMPTS known failures
--   unknown   the POST may have arrived (timeout after connecting, a worker crash while sending):
--             never retried automatically; an operator may set it back to 'pending'
--   skipped   the poll has no milestoneWebhookUrl
CREATE TABLE webhook_deliveries (
  poll_id         text        NOT NULL,
  milestone       integer     NOT NULL,
  url             text,
  ballots         integer     NOT NULL,
  reached_at      timestamptz NOT NULL,
  status          text        NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'unknown', 'skipped')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  delivered_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (poll_id, milestone)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- Closed polls written to ARCHIVE_DIR: one row per bundle, so each poll is archived once.
CREATE TABLE poll_archives (
  poll_id     text        PRIMARY KEY,
  path        text        NOT NULL,
  events      integer     NOT NULL,
  -- sha256 of the bundle's SHA256SUMS file: one value that pins every file of the bundle
  checksum    text        NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now()
);
