import { foldEvents } from '../../domain/shared/decider.ts';
import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import type { UserEvent } from '../../domain/user/events.ts';
import type { CommandDeps } from '../command-deps.ts';
import { toDomainEvent } from '../handle-command.ts';

/**
 * Whether an account has a verified national id, from its own stream rather than a projection:
 * a voter who has just verified must be able to vote on a `verified` poll at once.
 */
export async function isNationalIdVerified(deps: Pick<CommandDeps, 'store'>, userId: string): Promise<boolean> {
  const history = await deps.store.readStream(userStream(userId));
  const user = foldEvents(userDecider, history.map((e) => toDomainEvent<UserEvent>(e)));
  return user.status !== 'none' && user.nationalIdHash !== null;
}
