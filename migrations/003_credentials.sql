-- Credentials: the one place secrets live (ARCHITECTURE.md, "The one rule"). The event log says
-- that an account exists and that its password changed; the hashes themselves stay here, so the
-- log can be replayed, exported and audited without exposing anything that unlocks an account.
--
-- A row is written BEFORE the account's first event (UserRegistered / UserImported): the unique
-- email index is what makes email unique across accounts, which no single stream can decide. A
-- row whose `user-<id>` stream does not exist is an abandoned registration (the append failed or
-- the process died in between) and a later registration of the same email takes it over.
CREATE TABLE credentials (
  user_id          uuid        PRIMARY KEY,
  -- always lower-cased and trimmed by the application; the CHECK keeps anyone from forgetting
  email            text        NOT NULL UNIQUE CHECK (email = lower(email)),
  -- scrypt, self-describing (`$scrypt$ln=..,r=..,p=..$salt$hash`); NULL for an account imported
  -- without a password until its owner sets one with the setup token
  password_hash    text        NULL,
  -- sha256 of the one-time setup token of an imported account; cleared when used
  setup_token_hash text        NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
