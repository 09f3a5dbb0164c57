import { ConflictError, type PollsterError } from '../../domain/shared/errors.ts';
import { FIRST_ADMIN_STREAM, userStream } from '../../domain/shared/streams.ts';
import type { RegisterUser } from '../../domain/user/commands.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { AccountDeps } from './account-deps.ts';
import { claimFirstAdmin } from './claim-first-admin.ts';
import { claimEmail, releaseEmail } from './credentials.ts';
import { forStream, linkNationalId, lookUpIdentity, requireUnclaimed, type VerifiedIdentity } from './national-identity.ts';
import { hashPassword, requirePasswordPolicy } from './password-hash.ts';

export interface RegisterInput {
  email: string;
  password: string;
  displayName: string;
  nationalId?: string | undefined;
}

export interface Registered {
  userId: string;
  /** False only when a national id was given and another account claimed it in the meantime. */
  nationalIdVerified: boolean;
}

const emailTaken = (): ConflictError =>
  new ConflictError('user.email-taken', 'an account with this email exists already', { field: 'email' });

/**
 * Every check that can fail on the caller's input runs before anything is written (domain rules,
 * password policy, national id format, registry, claim), so a refused registration leaves no trace.
 * Then: credentials row (unique email) → first-admin claim when the table was empty →
 * UserRegistered (no_stream) → link the national id. A failed append releases the row.
 */
export async function register(deps: AccountDeps, input: RegisterInput, context: CommandContext): Promise<Registered> {
  const userId = deps.newId();
  const command: RegisterUser = {
    type: 'RegisterUser',
    data: { userId, email: input.email, displayName: input.displayName, isFirstUser: false, now: deps.now() },
  };
  // The decider is pure: deciding against an empty stream validates email and display name (422).
  const [preview] = userDecider.decide(command, userDecider.initialState());
  if (preview?.type !== 'UserRegistered') throw new Error('RegisterUser decided no UserRegistered');
  const email = preview.data.email;
  requirePasswordPolicy(input.password, 'password');
  let identity: VerifiedIdentity | undefined;
  if (input.nationalId !== undefined) {
    identity = await lookUpIdentity(deps, input.nationalId);
    await requireUnclaimed(deps, identity, userId);
  }

  const passwordHash = await hashPassword(input.password);
  const claim = await claimEmail(deps, { userId, email, passwordHash, setupTokenHash: null });
  if (claim.outcome !== 'claimed') throw emailTaken();
  try {
    const isFirstUser = claim.firstRow && (await claimFirstAdmin(deps, userId, forStream(context, FIRST_ADMIN_STREAM)));
    const stream = userStream(userId);
    await handleCommand(deps.store, userDecider, stream, { ...command, data: { ...command.data, isFirstUser } }, forStream(context, stream));
  } catch (error) {
    await releaseEmail(deps, userId).catch(() => {}); // the account does not exist; free its email
    throw error;
  }

  if (!identity) return { userId, nationalIdVerified: false };
  try {
    await linkNationalId(deps, userId, identity, context);
    return { userId, nationalIdVerified: true };
  } catch (error) {
    // The account exists now; losing the id to a concurrent claim must not turn that into an error.
    if (error instanceof ConflictError) return { userId, nationalIdVerified: false };
    throw error as PollsterError;
  }
}
