-- A poll's analytics read its counted ballots twice (src/projections/analytics/get-analytics.ts):
-- the response-time percentiles and the answers per question. Until 026 they found them through
-- `analytics_ballots_voter` (poll_id, voter_key) WHERE status = 'counted', whose poll_id prefix
-- made each an index range of the poll. 026 dropped that index as read by nothing, so both became
-- scans of every ballot of every poll: 144 ms for a poll of 10,000 ballots among 2,000,000, and
-- growing with every ballot ever cast, whichever poll an analyst asks for.
-- This index serves exactly those reads: the poll's counted ballots, their response times in
-- order (the percentiles read the index alone once the table is vacuumed). It costs each counted
-- ballot one entry, as the voter index did, but narrower: a bigint in place of a random text key.
CREATE INDEX analytics_ballots_poll ON read.analytics_ballots (poll_id, response_ms) WHERE status = 'counted';
