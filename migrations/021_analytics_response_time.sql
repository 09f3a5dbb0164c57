-- Analytics that mean something (src/projections/analytics): response time from when the voter
-- first saw the poll (a client-supplied start, stored with the ballot in whole seconds) instead of
-- from the poll's opening, its median and p90, and per-question drop-off.
--
-- Per poll: the question ids (fixed at creation), so a question nobody answered still shows.
ALTER TABLE read.analytics_polls ADD COLUMN question_ids text[] NOT NULL DEFAULT '{}';
-- Per ballot: the questions it answers (by the latest change made while the poll was open).
ALTER TABLE read.analytics_ballots ADD COLUMN answered_ids text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN read.analytics_ballots.response_ms IS
  'whole seconds (in ms) from the client-supplied start (castBallot startedAt) to castAt; null when the client sent none';

-- The rows written before this held the old response time and no question ids: empty the read
-- model and its checkpoints (every partition's) so the projection replays the log into it.
TRUNCATE read.analytics_polls, read.analytics_ballots, read.analytics_breakdowns, read.analytics_series;
DELETE FROM projection_checkpoints WHERE name = 'analytics' OR name LIKE 'analytics#%';
DELETE FROM parked_events WHERE projection = 'analytics' OR projection LIKE 'analytics#%';
