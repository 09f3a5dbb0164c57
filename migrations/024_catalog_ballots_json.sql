-- read.ballots is read one row at a time, by primary key (findBallot), and its answers and meta
-- are written whole and read back whole, never searched inside. Two costs of every ballot the
-- projection writes, for nothing any query uses:
-- - `ballots_poll` (poll_id, cast_position): no query lists a poll's ballots from this table
--   (013 assumed one would); results and analytics keep the counts, the log keeps the ballots.
-- - jsonb for answers and meta: converting the text to jsonb was about a third of the ballot
--   statement (json_to_recordset's pass over a batch of a few hundred ballots took as long as
--   their inserts); `json` keeps the text as written, as result_ballots does since 014.
-- The type change rewrites the table once, under lock, while this migration runs. A worker of the
-- previous release keeps writing during a rolling deploy: PostgreSQL assigns its jsonb values to
-- json columns by its own cast.
DROP INDEX read.ballots_poll;
ALTER TABLE read.ballots ALTER COLUMN answers TYPE json USING answers::json,
                         ALTER COLUMN meta TYPE json USING meta::json;
