import { sql } from 'slonik';
import { z } from 'zod';
import type { AccountDeps } from './account-deps.ts';
import { userExists } from './credentials.ts';

/** What a node needs to know about an account to accept one of its access tokens. */
export interface TokenAccount {
  tokenVersion: number;
}

const Row = z.object({ token_version: z.number() });

/**
 * The account an access token names, or null when there is none: an account is its credentials
 * row and its `user-<id>` stream together (a row without a stream is an abandoned registration,
 * which never logged in). Accounts cannot be closed yet; when they can, this is where a closed
 * one stops counting.
 */
export async function tokenAccount(deps: Pick<AccountDeps, 'store' | 'sql'>, userId: string): Promise<TokenAccount | null> {
  const [row, exists] = await Promise.all([
    deps.sql.maybeOne(sql.type(Row)`SELECT token_version FROM credentials WHERE user_id = ${userId}`),
    userExists(deps, userId),
  ]);
  return row && exists ? { tokenVersion: row.token_version } : null;
}
