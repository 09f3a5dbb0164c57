-- Signing and hashing keys (ARCHITECTURE.md: secrets never go into an event). Generated on first
-- start and shared through the database, so every API node signs and hashes alike.
CREATE TABLE secrets (
  name       text        PRIMARY KEY,
  value      text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
