-- One-time codes that prove an account reads mail sent to its address (POST
-- /api/auth/email/verification, then /verify). Of the credentials kind (ARCHITECTURE.md, "The one
-- rule"): the log records only that an address was verified (EmailVerified); the code lives here,
-- and only as a keyed hash, for 15 minutes, one per account. The row is replaced by the next
-- request and deleted by a successful verification.
CREATE TABLE email_verification_codes (
  user_id    uuid        PRIMARY KEY REFERENCES credentials (user_id) ON DELETE CASCADE,
  -- the address the code was mailed to; the verification vouches for this address only
  email      text        NOT NULL CHECK (email = lower(email)),
  -- HMAC-SHA256 of the code, keyed and bound to the account (never the code itself)
  code_hash  text        NOT NULL,
  expires_at timestamptz NOT NULL,
  -- tries so far, right or wrong; past 5 the code is burned and only a new request helps
  attempts   integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- when the code was mailed: at most one mail per account every 30 seconds (kept while burned)
  sent_at    timestamptz NOT NULL
);
