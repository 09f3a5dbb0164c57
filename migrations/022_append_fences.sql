-- Fenced appends (src/event-store/port.ts, AppendOptions.fence): "append this only if stream F
-- is still at revision r, in log order". A ballot is appended fenced on its poll's stream, so a
-- ballot that is accepted precedes any PollClosed in the log, with no wait for the log to be read
-- back after the append (the close gate of src/adapters/poll-cache).
--
-- Positions come from transaction ids (001_events.sql), so "in log order" means: the fenced
-- append's transaction id is lower than that of any later event of F. Locks make it so:
-- - every append to a stream that can be a fence takes an exclusive transaction-level advisory
--   lock on it before it writes, i.e. before its transaction has an id;
-- - a fenced append takes the same lock shared, and only then checks F's head, in a statement of
--   its own (a new snapshot in READ COMMITTED: it sees whatever committed while it waited).
-- A fenced append that got its lock first is done before the writer of F can start writing, so
-- the writer's transaction id is higher; one that got it after the writer committed sees the
-- writer's event and is refused. Lock keys are taken in key order: two batches cannot deadlock.
--
-- Arguments are per event of the batch, in row order: `streams` (each event's stream),
-- `fence_streams` ('' = none) and `fence_revisions`; `exclusive` lists the batch's streams that
-- can be fences. Returns, per event, whether it may be written: its fence (if any) holds and no
-- earlier event of the same batch appends to its fence stream.
CREATE FUNCTION pollster_append_fences(exclusive text[], streams text[], fence_streams text[], fence_revisions bigint[])
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
           coalesce((SELECT max(e.revision) FROM events e WHERE e.stream = f.stream), -1) = f.revision
           AND NOT EXISTS (SELECT 1 FROM unnest(streams) WITH ORDINALITY b(stream, ordinal)
                            WHERE b.ordinal < f.ordinal AND b.stream = f.stream))
         ORDER BY f.ordinal)
    INTO result
    FROM unnest(fence_streams, fence_revisions) WITH ORDINALITY AS f(stream, revision, ordinal);
  RETURN result;
END
$$;
