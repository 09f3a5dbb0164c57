-- pollster_append_fences (023) with the same arguments and answers, checked once per fence
-- instead of once per event. A batch of ballots is fenced on a handful of poll streams, yet 023
-- probed each poll's head for every ballot and, worse, unnested the whole batch's streams again
-- for every ballot to find an earlier event of the batch on its fence stream: quadratic in the
-- batch, and a third of PostgreSQL's CPU per appended ballot (37-47 µs with fences against
-- 24-29 without, bench of the append alone). Now:
-- - each distinct (fence stream, revision, ignored types) is checked once;
-- - the batch's first event on each fence stream is found in one pass, and an event's fence is
--   broken by the batch when that first event comes before it (the same "an earlier event of
--   the same batch appends to its fence stream" as 022 and 023).
-- The locks, their order and the statement of their own for the check (a fresh snapshot) stay.
CREATE OR REPLACE FUNCTION pollster_append_fences(exclusive text[], streams text[], fence_streams text[], fence_revisions bigint[], fence_ignoring text[])
  RETURNS boolean[] LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  result boolean[];
BEGIN
  PERFORM CASE WHEN k.exclusive THEN pg_advisory_xact_lock(k.key) ELSE pg_advisory_xact_lock_shared(k.key) END
    FROM (SELECT hashtextextended(s.stream, 0) AS key, bool_or(s.exclusive) AS exclusive
            FROM (SELECT unnest(exclusive) AS stream, true AS exclusive
                  UNION ALL SELECT unnest(fence_streams), false) s
           WHERE s.stream <> ''
           GROUP BY 1 ORDER BY 1) k;
  WITH f AS (
    SELECT f.stream, f.revision, coalesce(f.ignoring, '') AS ignoring, f.ordinal
      FROM unnest(fence_streams, fence_revisions, fence_ignoring) WITH ORDINALITY AS f(stream, revision, ignoring, ordinal)),
  fences AS MATERIALIZED (
    SELECT d.stream, d.revision, d.ignoring,
           coalesce((SELECT max(e.revision) FROM events e WHERE e.stream = d.stream), -1) >= d.revision
           AND NOT EXISTS (SELECT 1 FROM events e
                            WHERE e.stream = d.stream AND e.revision > d.revision
                              AND e.type <> ALL (string_to_array(d.ignoring, ','))) AS holds
      FROM (SELECT DISTINCT stream, revision, ignoring FROM f WHERE stream <> '') d),
  firsts AS MATERIALIZED (
    SELECT b.stream, min(b.ordinal) AS ordinal
      FROM unnest(streams) WITH ORDINALITY b(stream, ordinal)
     WHERE b.stream IN (SELECT stream FROM fences)
     GROUP BY b.stream)
  SELECT array_agg(f.stream = '' OR (h.holds AND (w.ordinal IS NULL OR w.ordinal >= f.ordinal)) ORDER BY f.ordinal)
    INTO result
    FROM f LEFT JOIN fences h ON h.stream = f.stream AND h.revision = f.revision AND h.ignoring = f.ignoring
           LEFT JOIN firsts w ON w.stream = f.stream;
  RETURN result;
END
$$;
