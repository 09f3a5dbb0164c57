import { randomBytes } from 'node:crypto';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

/**
 * A named key, generated once (256 random bits) and then read by every process. The insert
 * races harmlessly: the first writer wins and everyone reads that value.
 */
export async function loadOrCreateSecret(pool: DatabasePool, name: string): Promise<string> {
  await pool.query(sql.unsafe`
    INSERT INTO secrets (name, value) VALUES (${name}, ${randomBytes(32).toString('base64url')})
    ON CONFLICT (name) DO NOTHING`);
  return pool.oneFirst(sql.type(z.object({ value: z.string() }))`SELECT value FROM secrets WHERE name = ${name}`);
}
