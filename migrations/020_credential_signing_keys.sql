-- The RSA key pair of each poll that takes blind-signed ballot credentials (RFC 9474; README,
-- "Blind ballot credentials"). The public half is also in the poll's PollCreated event; the
-- private half is kept here only sealed (AES-256-GCM) under a key derived from the voter key
-- ring, which lives outside the database: a dump holds ciphertext it cannot sign with. Every API
-- node reads the row and unseals it with the same key ring. Not in the events table: a secret.
CREATE TABLE credential_signing_keys (
  poll_id      uuid        PRIMARY KEY,
  -- the voter key (src/adapters/voter-keys.ts) the private key is sealed under
  voter_key_id text        NOT NULL,
  -- base64url DER SubjectPublicKeyInfo, equal to PollCreated.credentialKey.publicKey
  public_key   text        NOT NULL,
  -- base64url of iv (12 bytes) || AES-256-GCM ciphertext of the PKCS#8 DER || tag (16 bytes)
  sealed_private_key text  NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
