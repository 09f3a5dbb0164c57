-- Which voter keys this database's polls were keyed with (src/runtime/voter-keys.ts). The keys
-- themselves live outside the database (a key file or VOTER_KEY): a dump must not be enough to
-- recompute anyone's voter key. What is kept here is an id and a check value (an HMAC of a fixed
-- text under the key), so a node started with a missing, stale or different key file refuses to
-- start instead of deriving other voter keys, which would let a voter vote twice.
CREATE TABLE voter_keys (
  id          text        PRIMARY KEY,
  check_value text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
