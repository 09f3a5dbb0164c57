import { sql } from 'slonik';
import { z } from 'zod';
import type { AccountDeps } from './account-deps.ts';

/** What a node needs to know about an account to accept one of its access tokens. */
export interface TokenAccount {
  tokenVersion: number;
}

const Row = z.object({ token_version: z.number() });

/**
 * The account an access token names, or null when there is none: one primary-key lookup in the
 * credentials table. The row alone answers: login signs tokens only for accounts whose stream
 * exists too, so a row without a stream (an abandoned registration) never had a token; and the
 * event log is left out on purpose, since a lock on the events table (maintenance, a migration)
 * must not stall every request at its authentication, unbounded. Accounts cannot be closed yet;
 * when they can, this is where a closed one stops counting.
 */
export async function tokenAccount(deps: Pick<AccountDeps, 'sql'>, userId: string): Promise<TokenAccount | null> {
  const row = await deps.sql.maybeOne(sql.type(Row)`SELECT token_version FROM credentials WHERE user_id = ${userId}`);
  return row ? { tokenVersion: row.token_version } : null;
}
