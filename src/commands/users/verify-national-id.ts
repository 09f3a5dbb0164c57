import type { CommandContext } from '../handle-command.ts';
import type { AccountDeps } from './account-deps.ts';
import { linkNationalId, lookUpIdentity } from './national-identity.ts';

/**
 * Registry lookup (422 bad or ineligible id, 404 unknown, 503 registry down), then the claim of
 * `nationalid-<hmac>` (409 when another account holds it), then NationalIdVerified. Verifying
 * again with the same id is a harmless repeat.
 */
export async function verifyNationalId(
  deps: AccountDeps,
  userId: string,
  nationalId: string,
  context: CommandContext,
): Promise<{ verified: true; fullName: string }> {
  const identity = await lookUpIdentity(deps, nationalId);
  await linkNationalId(deps, userId, identity, context);
  return { verified: true, fullName: identity.fullName };
}
