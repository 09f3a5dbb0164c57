-- Read models of the results projection (src/projections/to-postgres/results), read by getResults.
-- Derived from the log like everything in schema `read`: truncate and replay to rebuild.
--
-- Counting rules (src/domain/results/standing.ts): a ballot counts if its BallotCast precedes the
-- poll's PollClosed in log order; a BallotChanged before the close moves its votes, one after it
-- changes nothing; a reviewer's `reject` takes the ballot out; a pending flag leaves it counted.
-- Counters are running sums, moved by exactly what a ballot adds or takes back, so results of a
-- poll with millions of ballots read a handful of rows (ranked questions read their rankings).

-- One row per poll.
CREATE TABLE read.result_polls (
  poll_id         text    PRIMARY KEY,
  status          text    NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
  -- the questions exactly as PollCreated carries them (kinds, option ids and texts, rating scales)
  questions       jsonb   NOT NULL,
  -- log position of PollClosed: ballot events after it do not move votes
  closed_position bigint,
  -- counted ballots
  total_ballots   integer NOT NULL DEFAULT 0,
  -- counted ballots with at least one flag pending review
  flagged_pending integer NOT NULL DEFAULT 0,
  -- log position of the last event of the poll or its ballots applied (the results' `position`)
  position        bigint  NOT NULL
);

-- One row per ballot: what it adds to the counters, so a change or a reject takes back exactly that.
CREATE TABLE read.result_ballots (
  ballot_id     text    PRIMARY KEY,
  poll_id       text    NOT NULL,
  -- the answers it counts with (its last cast or change before the close); null = cast after the close
  answers       jsonb,
  -- a reviewer rejected one of its flags: out of the results for good
  rejected      boolean NOT NULL DEFAULT false,
  -- ids of its flags not yet reviewed
  pending_flags text[]  NOT NULL DEFAULT '{}',
  counted       boolean GENERATED ALWAYS AS (answers IS NOT NULL AND NOT rejected) STORED,
  -- log position of the last event of this ballot applied: a replayed event at or below it is skipped
  position      bigint  NOT NULL
);
CREATE INDEX result_ballots_poll ON read.result_ballots (poll_id) WHERE counted;

-- Per question: how many counted ballots answer it (the base of its percentages).
CREATE TABLE read.result_questions (
  poll_id     text    NOT NULL,
  question_id text    NOT NULL,
  answered    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (poll_id, question_id)
);

-- Per option of single and multiple questions: counted votes. Counter rows exist only while
-- non-zero (no row = 0), so a replay writes exactly the rows the live run did.
CREATE TABLE read.result_options (
  poll_id     text    NOT NULL,
  question_id text    NOT NULL,
  option_id   text    NOT NULL,
  votes       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (poll_id, question_id, option_id)
);

-- Per rating question and value: counted ballots giving that rating (the distribution).
CREATE TABLE read.result_ratings (
  poll_id     text    NOT NULL,
  question_id text    NOT NULL,
  rating      integer NOT NULL,
  ballots     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (poll_id, question_id, rating)
);

-- The ranking of every counted ballot per ranked question (most preferred first), as
-- instant-runoff needs them: a ballot's row goes when it stops counting or stops ranking.
CREATE TABLE read.result_rankings (
  ballot_id   text   NOT NULL,
  question_id text   NOT NULL,
  poll_id     text   NOT NULL,
  ranking     text[] NOT NULL,
  PRIMARY KEY (ballot_id, question_id)
);
CREATE INDEX result_rankings_question ON read.result_rankings (poll_id, question_id);
