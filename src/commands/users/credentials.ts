import { sql } from 'slonik';
import { z } from 'zod';
import { userStream } from '../../domain/shared/streams.ts';
import type { AccountDeps } from './account-deps.ts';

/**
 * The credentials table (migrations/003): email uniqueness and the secrets. A row is claimed
 * before the account's first event is appended and released if that append fails.
 */
export interface NewCredentials {
  userId: string;
  email: string;
  passwordHash: string | null;
  setupTokenHash: string | null;
}

/**
 * `claimed`: the row is ours; `firstRow` says the table held no other account when we wrote it
 * (the first-admin candidate). `taken`: the email belongs to an account. `busy`: another
 * registration of this email is in progress (its row is too young to be called abandoned).
 */
export type EmailClaim = { outcome: 'claimed'; firstRow: boolean } | { outcome: 'taken' } | { outcome: 'busy' };

export type CredentialDeps = Pick<AccountDeps, 'store' | 'sql' | 'abandonedAfterMs'>;

const DEFAULT_ABANDONED_AFTER_MS = 60_000;
const First = z.object({ first: z.boolean() });
const Existing = z.object({ user_id: z.string(), stale: z.boolean() });

export async function claimEmail(deps: CredentialDeps, row: NewCredentials): Promise<EmailClaim> {
  const abandonedAfterMs = deps.abandonedAfterMs ?? DEFAULT_ABANDONED_AFTER_MS;
  for (let attempt = 0; attempt < 3; attempt++) {
    // RETURNING's subquery sees the snapshot the INSERT started with, not the row it inserts: of
    // two concurrent first registrations at least one sees an empty table (then the bootstrap
    // stream's no_stream append picks exactly one admin).
    const inserted = await deps.sql.maybeOne(sql.type(First)`
      INSERT INTO credentials (user_id, email, password_hash, setup_token_hash)
      VALUES (${row.userId}, ${row.email}, ${row.passwordHash}, ${row.setupTokenHash})
      ON CONFLICT (email) DO NOTHING
      RETURNING NOT EXISTS (SELECT 1 FROM credentials) AS first`);
    if (inserted) return { outcome: 'claimed', firstRow: inserted.first };

    const existing = await deps.sql.maybeOne(sql.type(Existing)`
      SELECT user_id::text AS user_id, created_at < now() - make_interval(secs => ${abandonedAfterMs / 1000}) AS stale
      FROM credentials WHERE email = ${row.email}`);
    if (!existing) continue; // released between our two statements: try the insert again
    if (await userExists(deps, existing.user_id)) return { outcome: 'taken' };
    if (!existing.stale) return { outcome: 'busy' };
    // Abandoned: take the row over, guarded by the old owner so two takeovers cannot both win.
    const taken = await deps.sql.maybeOne(sql.type(First)`
      UPDATE credentials
      SET user_id = ${row.userId}, password_hash = ${row.passwordHash}, setup_token_hash = ${row.setupTokenHash},
          created_at = now(), updated_at = now()
      WHERE email = ${row.email} AND user_id = ${existing.user_id}
      RETURNING NOT EXISTS (SELECT 1 FROM credentials WHERE email <> ${row.email}) AS first`);
    if (taken) return { outcome: 'claimed', firstRow: taken.first };
  }
  return { outcome: 'busy' };
}

/** Undoes a claim whose first event could not be appended (only our own row, never a takeover's). */
export async function releaseEmail(deps: Pick<AccountDeps, 'sql'>, userId: string): Promise<void> {
  await deps.sql.query(sql.unsafe`DELETE FROM credentials WHERE user_id = ${userId}`);
}

export async function userExists(deps: Pick<AccountDeps, 'store'>, userId: string): Promise<boolean> {
  return (await deps.store.readStream(userStream(userId), { maxCount: 1 })).length > 0;
}

export const CredentialsRow = z.object({
  user_id: z.string(),
  email: z.string(),
  password_hash: z.string().nullable(),
  setup_token_hash: z.string().nullable(),
  token_version: z.number(),
});
export type CredentialsRow = z.infer<typeof CredentialsRow>;

export async function credentialsByEmail(deps: Pick<AccountDeps, 'sql'>, email: string): Promise<CredentialsRow | null> {
  return deps.sql.maybeOne(sql.type(CredentialsRow)`
    SELECT user_id::text AS user_id, email, password_hash, setup_token_hash, token_version FROM credentials WHERE email = ${email}`);
}

export async function credentialsOf(deps: Pick<AccountDeps, 'sql'>, userId: string): Promise<CredentialsRow | null> {
  return deps.sql.maybeOne(sql.type(CredentialsRow)`
    SELECT user_id::text AS user_id, email, password_hash, setup_token_hash, token_version FROM credentials WHERE user_id = ${userId}`);
}

/** Emails are compared trimmed and lower-cased everywhere (the decider stores them so too). */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
