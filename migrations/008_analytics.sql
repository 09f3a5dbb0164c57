-- Read models of the analytics projection (src/projections/to-postgres/analytics), read by
-- getAnalytics. Derived from the log like everything in schema `read`: truncate and replay to rebuild.
--
-- Per-poll figures are kept as running sums, updated in the projection's transaction, so a
-- dashboard of a poll with millions of ballots reads a handful of rows, not every ballot.
-- Counted ballots: cast before the poll's PollClosed in log order and not removed by a reviewer's
-- `reject` (ARCHITECTURE.md, counting rule). Flagged ballots stay counted until rejected.

-- One row per poll: the running sums the API turns into rates and averages.
CREATE TABLE read.analytics_polls (
  poll_id            text        PRIMARY KEY,
  -- questions of the poll (fixed at creation): the denominator of the completion rate
  question_count     integer     NOT NULL,
  -- settings.startsAt and PollOpened.openedAt: response time runs from the later of the two
  starts_at          timestamptz,
  opened_at          timestamptz,
  -- log position of PollClosed: ballots after it are not counted
  closed_position    bigint,
  total_ballots      integer     NOT NULL DEFAULT 0,
  -- distinct voter keys among counted ballots
  unique_voters      integer     NOT NULL DEFAULT 0,
  -- sum over counted ballots of the questions each answered (completion = this / (question_count * total_ballots))
  answered_questions bigint      NOT NULL DEFAULT 0,
  -- counted ballots with a known open time, and the sum of their response times in milliseconds
  -- (integers, so adding and removing ballots never drifts)
  timed_ballots      integer     NOT NULL DEFAULT 0,
  response_ms        bigint      NOT NULL DEFAULT 0,
  last_position      bigint      NOT NULL
);

-- One row per ballot of a known poll: makes replays harmless (ON CONFLICT on ballot_id), lets a
-- change or a rejection take back exactly what the ballot added, and answers "distinct voters".
-- Never the address or user agent: only the coarse device class and country of the ballot's meta.
CREATE TABLE read.analytics_ballots (
  ballot_id   text        PRIMARY KEY,
  poll_id     text        NOT NULL,
  voter_key   text        NOT NULL,
  device      text        NOT NULL,
  country     text        NOT NULL,
  cast_at     timestamptz NOT NULL,
  -- questions answered (by the latest change made while the poll was open)
  answered    integer     NOT NULL,
  -- castAt minus the poll's open time (never negative); null if the poll was never opened
  response_ms bigint,
  -- counted | after-close (cast after PollClosed) | rejected (a reviewer rejected a flag on it)
  status      text        NOT NULL CHECK (status IN ('counted', 'after-close', 'rejected')),
  -- position of the last event applied to the row (cast, change, review)
  position    bigint      NOT NULL
);
CREATE INDEX analytics_ballots_voter ON read.analytics_ballots (poll_id, voter_key) WHERE status = 'counted';

-- Counted ballots per device class (desktop, mobile, tablet, bot, unknown) and per country
-- (ISO 3166-1 alpha-2, `private`, `unknown`). A row may reach 0 after rejections; readers skip those.
CREATE TABLE read.analytics_breakdowns (
  poll_id   text    NOT NULL,
  dimension text    NOT NULL CHECK (dimension IN ('device', 'country')),
  value     text    NOT NULL,
  ballots   integer NOT NULL,
  PRIMARY KEY (poll_id, dimension, value)
);

-- Counted ballots per minute and per hour of castAt; `bucket` is the start of the minute or hour
-- in UTC. Sparse: a bucket without ballots has no row.
CREATE TABLE read.analytics_series (
  poll_id     text        NOT NULL,
  granularity text        NOT NULL CHECK (granularity IN ('minute', 'hour')),
  bucket      timestamptz NOT NULL,
  ballots     integer     NOT NULL,
  PRIMARY KEY (poll_id, granularity, bucket)
);
