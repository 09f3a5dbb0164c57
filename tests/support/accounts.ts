import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { accountDeps } from '../../src/commands/users/account-deps.ts';
import { grantRole } from '../../src/commands/users/grant-role.ts';
import { handleCommand, type CommandContext } from '../../src/commands/handle-command.ts';
import { hashPassword } from '../../src/commands/users/password-hash.ts';
import { userStream } from '../../src/domain/shared/streams.ts';
import { userDecider } from '../../src/domain/user/decider.ts';
import type { Role } from '../../src/domain/user/roles.ts';
import type { Services } from '../../src/runtime/services.ts';

const SEEDER: CommandContext = { actor: 'system', correlationId: 'test-seed' };
const SEEDING_ADMIN = '00000000-0000-4000-8000-00000000a11e';
const A_DAY_MS = 86_400_000;

/** The password of every seeded account. */
export const SEEDED_PASSWORD = 'seeded account password';
// At the lowest cost verifyPassword accepts: a full-cost scrypt per voter would dominate the tests.
let seededHash: Promise<string> | undefined;

/**
 * An account as registration and role grants leave it (a credentials row, UserRegistered,
 * RoleGranted), made without the HTTP round trips, the full-cost password hash and the login
 * that a registration would take: tests make hundreds of voters. Tests sign its tokens with
 * `app.issueAccessToken`. Registered a day ago, so fraud screening does not call it a new account.
 */
export async function seedAccount(services: Services, roles: readonly Role[] = []): Promise<{ userId: string; email: string }> {
  const userId = randomUUID();
  const email = `seeded-${userId}@example.org`;
  seededHash ??= hashPassword(SEEDED_PASSWORD, { ln: 10, r: 8, p: 1 });
  await services.sql.query(sql.unsafe`
    INSERT INTO credentials (user_id, email, password_hash) VALUES (${userId}, ${email}, ${await seededHash})`);
  const now = new Date(Date.now() - A_DAY_MS);
  await handleCommand(
    services.store,
    userDecider,
    userStream(userId),
    { type: 'RegisterUser', data: { userId, email, displayName: 'Seeded', isFirstUser: false, now } },
    SEEDER,
  );
  const deps = { ...accountDeps(services), now: () => now };
  for (const role of roles) if (role !== 'voter') await grantRole(deps, userId, role, SEEDING_ADMIN, SEEDER);
  return { userId, email };
}
