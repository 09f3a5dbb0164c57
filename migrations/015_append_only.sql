-- The log is append-only in the database itself (ARCHITECTURE.md, "Trust: what holds against
-- whom"): whatever a caller, a bug or the application role sends, a stored event is never changed
-- or removed. Triggers rather than REVOKE alone because they also stop the table's owner and
-- superusers; what they do not stop is someone who switches them off (ALTER TABLE events DISABLE
-- TRIGGER, session_replication_role = replica). That is what the hash chain and the signed
-- checkpoints are for: `pollster audit verify` reports whatever such a person changed.
--
-- SQLSTATE P0420 ('P0' = PL/pgSQL raise class) is ours alone, so callers and tests can tell this
-- refusal from any other error.
--
-- One exception: rows written by the current, still uncommitted transaction. A multi-event append
-- that collides in part takes back its own rows (src/commands/event-store/postgres/append-batch.ts);
-- nobody else has ever seen them, so that is a rollback, not an edit of the log. position carries
-- the writing transaction's id (001_events.sql), which is how the trigger tells them apart.
CREATE FUNCTION pollster_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
     AND (OLD.position >> 20) = pg_current_xact_id_if_assigned()::text::bigint THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events is append-only: % refused', TG_OP
    USING ERRCODE = 'P0420',
          DETAIL = 'Stored events are never changed or removed; a correction is a new event.',
          HINT = 'See ARCHITECTURE.md, "Trust: what holds against whom".';
END
$$;

CREATE TRIGGER events_append_only_rows
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION pollster_events_append_only();

CREATE TRIGGER events_append_only_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION pollster_events_append_only();

-- ENABLE ALWAYS: the triggers fire under session_replication_role = replica too (a logical
-- replica applying changes, or someone setting that to slip past them). Turning them off then
-- takes an explicit ALTER TABLE ... DISABLE TRIGGER, which needs the owner or a superuser.
ALTER TABLE events ENABLE ALWAYS TRIGGER events_append_only_rows;
ALTER TABLE events ENABLE ALWAYS TRIGGER events_append_only_truncate;
