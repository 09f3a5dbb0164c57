-- read.result_ballots is looked up by primary key only (the results projection loads the
-- standings a batch touches; the raw tally reads rejected ballots by id). The partial index on
-- (poll_id) WHERE counted served no query, and maintaining it cost every ballot insert an index
-- entry: it went from the projection's and the rebuild's hottest statement.
DROP INDEX read.result_ballots_poll;
