import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import type { CommandDeps } from '../command-deps.ts';

/**
 * Whether an account has a verified national id, from its own stream rather than a projection:
 * a voter who has just verified must be able to vote on a `verified` poll at once.
 */
export async function isNationalIdVerified(deps: Pick<CommandDeps, 'store'>, userId: string): Promise<boolean> {
  const { state: user } = await aggregateStream(deps.store, userDecider, userStream(userId));
  return user.status !== 'none' && user.nationalIdHash !== null;
}
