import { userStream } from '../../domain/shared/streams.ts';
import type { UserEvent } from '../../domain/user/events.ts';
import { toDomainEvent } from '../../event-store/aggregate-stream.ts';
import type { CommandDeps } from '../command-deps.ts';

/**
 * When an account was created: the time its first event (UserRegistered or UserImported) names,
 * else the time it was recorded; null for no account. Only the first event is read, since the
 * fraud check asks this on the ballot path (and only once it has a flag to raise).
 */
export async function accountCreatedAt(deps: Pick<CommandDeps, 'store'>, userId: string): Promise<string | null> {
  const [first] = await deps.store.readStream(userStream(userId), { maxCount: 1 });
  if (!first) return null;
  const event = toDomainEvent<UserEvent>(first);
  const at = event.type === 'UserRegistered' ? event.data.registeredAt : event.type === 'UserImported' ? event.data.importedAt : undefined;
  return typeof at === 'string' ? at : first.recordedAt.toISOString();
}
