-- Fences that let some events of the fence stream pass (src/event-store/port.ts, AppendOptions):
-- a ballot is fenced on its poll stream so that it precedes any PollClosed in the log, but a
-- MilestoneReached or VoteTokensIssued recorded on the poll meanwhile changes nothing the ballot
-- was decided on. Under 022 any event broke the fence: every ballot in flight on a hot poll was
-- refused and tried again whenever the milestones job or an organizer wrote to it.
--
-- `fence_ignoring`, per event of the batch: the event types (comma-separated, '' = none) that may
-- follow the fence's revision without breaking it. Everything else of 022 stands: the locks, taken
-- in key order, and an earlier event of the same batch on the fence stream breaking it, whatever
-- its type. 022's four-argument function stays for a node of the previous release during a
-- rolling deploy, as this one ignoring nothing: one implementation of the check, not two.
CREATE FUNCTION pollster_append_fences(exclusive text[], streams text[], fence_streams text[], fence_revisions bigint[], fence_ignoring text[])
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
  SELECT array_agg(f.stream = '' OR (
           coalesce((SELECT max(e.revision) FROM events e WHERE e.stream = f.stream), -1) >= f.revision
           AND NOT EXISTS (SELECT 1 FROM events e
                            WHERE e.stream = f.stream AND e.revision > f.revision
                              AND e.type <> ALL (string_to_array(coalesce(f.ignoring, ''), ',')))
           AND NOT EXISTS (SELECT 1 FROM unnest(streams) WITH ORDINALITY b(stream, ordinal)
                            WHERE b.ordinal < f.ordinal AND b.stream = f.stream))
         ORDER BY f.ordinal)
    INTO result
    FROM unnest(fence_streams, fence_revisions, fence_ignoring) WITH ORDINALITY AS f(stream, revision, ignoring, ordinal);
  RETURN result;
END
$$;

CREATE OR REPLACE FUNCTION pollster_append_fences(exclusive text[], streams text[], fence_streams text[], fence_revisions bigint[])
  RETURNS boolean[] LANGUAGE sql VOLATILE AS $$
  SELECT pollster_append_fences(exclusive, streams, fence_streams, fence_revisions,
                                array_fill(''::text, ARRAY[coalesce(cardinality(fence_streams), 0)]))
$$;
