-- read.analytics_ballots stops keeping the voter's key: the contract step after the release that
-- stopped reading it. There, a poll's distinct voters became its counted ballots, because the
-- store holds one ballot stream per voter per poll and the decider one BallotCast per stream
-- (src/projections/analytics/apply-deltas.ts). Since then every ballot still paid for an entry in
-- `analytics_ballots_voter`, which nothing reads.
-- - The index goes now: the release before this one never reads it.
-- - The column stays one release longer, nullable: a worker of the release before this one still
--   writes the key during a rolling deploy. This release writes none, and leaves the keys already
--   written in place (clearing them would rewrite the table under this migration's lock). The
--   next release can drop the column.
DROP INDEX read.analytics_ballots_voter;
ALTER TABLE read.analytics_ballots ALTER COLUMN voter_key DROP NOT NULL;
COMMENT ON COLUMN read.analytics_ballots.voter_key IS
  'Not written since migration 026 (null); a worker of the release before 026 may still write it during a rolling deploy. To be dropped.';
