-- Bulk user imports (POST /api/admin/users/import): the progress of each job, polled with
-- GET /api/admin/jobs/{jobId}. Job state is operational data, not domain history: the accounts a
-- job creates are in the log (UserImported); this table only says how far the job got.
CREATE TABLE import_jobs (
  job_id                 uuid        PRIMARY KEY,
  created_by             uuid        NOT NULL,
  format                 text        NOT NULL CHECK (format IN ('csv', 'jsonl')),
  status                 text        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  processed              integer     NOT NULL DEFAULT 0,
  imported               integer     NOT NULL DEFAULT 0,
  skipped                integer     NOT NULL DEFAULT 0,
  failed                 integer     NOT NULL DEFAULT 0,
  national_ids_ignored   integer     NOT NULL DEFAULT 0,
  -- [{line, message}], the first 1000 only (the counters stay exact)
  errors                 jsonb       NOT NULL DEFAULT '[]',
  setup_tokens           integer     NOT NULL DEFAULT 0,
  setup_tokens_served_at timestamptz NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  started_at             timestamptz NULL,
  finished_at            timestamptz NULL,
  -- bumped by every progress write: a running job whose heartbeat stops was interrupted
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- One-time setup tokens of accounts imported without a password, waiting for the admin to
-- download them once (GET /api/admin/jobs/{jobId}/setup-tokens deletes them as it serves them).
-- Plain text, because they must reach the admin; the credentials table keeps only their sha256.
CREATE TABLE import_setup_tokens (
  job_id      uuid    NOT NULL REFERENCES import_jobs (job_id) ON DELETE CASCADE,
  line        integer NOT NULL,
  email       text    NOT NULL,
  setup_token text    NOT NULL,
  PRIMARY KEY (job_id, line)
);
