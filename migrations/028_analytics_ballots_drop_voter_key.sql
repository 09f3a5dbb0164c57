-- The contract step 026 promised: read.analytics_ballots loses its voter_key column. No release
-- since 026 writes it (the one before this one included, so a rolling deploy from it is safe),
-- and no query reads it. PostgreSQL drops a column in the catalog only: no rewrite, no long lock.
-- The keys written before 026 leave every query and every pg_dump at once; their bytes stay in
-- the table's pages until the rows are rewritten (`pollster projections rebuild analytics`
-- writes a new table, or VACUUM FULL).
ALTER TABLE read.analytics_ballots DROP COLUMN voter_key;
