-- Distinct voters among a poll's counted ballots are its counted ballots: the store holds one
-- ballot stream per voter per poll and the decider one BallotCast per stream
-- (src/projections/analytics/apply-deltas.ts). The per-ballot rows no longer carry the voter key,
-- which only served to count distinct keys: a probe of this index for every ballot, and one more
-- copy of a pseudonymous voter key beside the ballot's device, country and time.
-- The figures already stored stay right: they were counted by the same rule.
-- getAnalytics still reads a poll's counted ballots (percentiles, drop-off): an index of the
-- poll alone serves that, and takes a new ballot at the end of its poll's entries instead of at
-- a random place among them.
DROP INDEX read.analytics_ballots_voter;
ALTER TABLE read.analytics_ballots DROP COLUMN voter_key;
CREATE INDEX analytics_ballots_poll ON read.analytics_ballots (poll_id) WHERE status = 'counted';
