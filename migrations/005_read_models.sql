-- Read models of the polls-catalog projection (src/projections/to-postgres/polls-catalog).
-- Everything in schema `read` is derived from the event log and can be truncated and rebuilt by
-- replaying it (ARCHITECTURE.md, "Projections"); nothing here is ever the source of truth.
--
-- Ids are text, not uuid: the log is the source of truth, and a projection must never refuse an
-- event the log accepted because of a column type (an imported or older event would otherwise
-- be parked). Every row carries the `$all` position of the last event applied to it, so an
-- update guarded by `position < $event_position` makes a replayed event harmless.
CREATE SCHEMA IF NOT EXISTS read;

CREATE TABLE read.polls (
  poll_id          text        PRIMARY KEY,
  slug             text        NOT NULL UNIQUE,
  organizer_id     text        NOT NULL,
  title            text        NOT NULL,
  description      text,
  status           text        NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
  -- the definition exactly as PollCreated carries it (questions with question and option ids)
  settings         jsonb       NOT NULL,
  questions        jsonb       NOT NULL,
  -- a column of its own so that listings filter by it with an index
  visibility       text        GENERATED ALWAYS AS (settings ->> 'visibility') STORED,
  created_at       timestamptz NOT NULL,
  opened_at        timestamptz,
  closed_at        timestamptz,
  closed_by        text,
  -- log position of PollClosed: a ballot counts only if it precedes it (the counting rule)
  closed_position  bigint,
  -- ballots cast before the close in log order; flags and reviews do not change it
  ballots          integer     NOT NULL DEFAULT 0,
  -- log position of PollCreated: the stable, unique order of listings (keyset pagination)
  created_position bigint      NOT NULL UNIQUE,
  last_position    bigint      NOT NULL
);
CREATE INDEX polls_organizer ON read.polls (organizer_id, created_position DESC);
CREATE INDEX polls_status ON read.polls (status, created_position DESC);
CREATE INDEX polls_public ON read.polls (created_position DESC) WHERE visibility = 'public' AND status <> 'draft';

-- One row per ballot: lets the API map a ballot id to its stream `ballot-<pollId>-<voterKey>`.
-- Counting rules (results) belong to later projections; this keeps the positions they need.
CREATE TABLE read.ballots (
  ballot_id     text        PRIMARY KEY,
  poll_id       text        NOT NULL,
  voter_key     text        NOT NULL,
  account_id    text,
  answers       jsonb       NOT NULL,
  meta          jsonb       NOT NULL,
  cast_at       timestamptz NOT NULL,
  changed_at    timestamptz,
  cast_position bigint      NOT NULL,
  -- position of the last event applied (BallotCast or BallotChanged)
  position      bigint      NOT NULL
);
-- not UNIQUE on purpose: the store already enforces one ballot stream per voter per poll, and a
-- read model must not park an event over a rule that is not its own
CREATE INDEX ballots_voter ON read.ballots (poll_id, voter_key);
CREATE INDEX ballots_poll ON read.ballots (poll_id, cast_position);

-- One row per flag; flags are never deleted, a review only moves the status.
CREATE TABLE read.flags (
  flag_id          text        PRIMARY KEY,
  ballot_id        text        NOT NULL,
  poll_id          text        NOT NULL,
  voter_key        text        NOT NULL,
  reasons          jsonb       NOT NULL,
  flagged_by       text        NOT NULL,
  details          jsonb,
  flagged_at       timestamptz NOT NULL,
  status           text        NOT NULL CHECK (status IN ('pending', 'upheld', 'rejected')),
  reviewer_id      text,
  note             text,
  reviewed_at      timestamptz,
  flagged_position bigint      NOT NULL,
  position         bigint      NOT NULL
);
CREATE INDEX flags_status ON read.flags (status, flagged_position);
CREATE INDEX flags_poll ON read.flags (poll_id, flagged_position);
CREATE INDEX flags_ballot ON read.flags (ballot_id);
