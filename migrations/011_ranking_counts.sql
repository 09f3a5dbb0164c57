-- Rankings of ranked questions as counters, like every other result: one row per distinct
-- counted ranking (poll × question × ranking) with how many counted ballots rank exactly so,
-- moved by deltas and deleted at 0. Instant-runoff needs nothing more (ballots grouped by
-- identical ranking), and getResults now reads O(distinct rankings) rows instead of one per
-- ballot: results of a poll with a million ballots are re-read after every projection batch for
-- Redis and the live feed, and a per-ballot table made each of those reads grow with the poll.
-- The ballot's own ranking stays in read.result_ballots.answers, which is what a change or a
-- reject takes back.
CREATE TABLE read.result_ranking_counts (
  poll_id     text    NOT NULL,
  question_id text    NOT NULL,
  -- most preferred first
  ranking     text[]  NOT NULL,
  ballots     integer NOT NULL,
  PRIMARY KEY (poll_id, question_id, ranking)
);

INSERT INTO read.result_ranking_counts (poll_id, question_id, ranking, ballots)
SELECT poll_id, question_id, ranking, count(*)::integer FROM read.result_rankings GROUP BY poll_id, question_id, ranking;

DROP TABLE read.result_rankings;
