import type { DatabasePool } from 'slonik';
import { loadOrCreateSecret } from '../db/secrets.ts';
import { signingKeyFrom, type SigningKey } from './signing.ts';

/**
 * The audit signing key: AUDIT_SIGNING_KEY when set, else a seed generated once into the
 * `secrets` table (ARCHITECTURE.md: keys never go into an event), which works in every mode and
 * gives every API node and worker the same key. The secret is 32 random bytes, base64url: exactly
 * an Ed25519 seed.
 */
const AUDIT_KEY_SECRET = 'audit-signing-key';

export async function loadSigningKey(sql: DatabasePool, configured?: string): Promise<SigningKey> {
  return signingKeyFrom(configured ?? (await loadOrCreateSecret(sql, AUDIT_KEY_SECRET)));
}
