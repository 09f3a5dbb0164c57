-- The version of an account's access tokens: every token carries the version its account had at
-- login, and a request whose token carries another one is refused (401 auth.token-revoked).
-- Setting a password and POST /api/auth/logout-everywhere add one, which revokes every token
-- issued before. It lives beside the password hash rather than in the log: it is session state
-- of the credential, bumped in the same row update as a new hash, and read by primary key when a
-- node checks a token; the log records the password change itself (PasswordSet).
ALTER TABLE credentials ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0);
