import { pollDecider } from '../../domain/poll/decider.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { actorId, requirePollManager, type Actor } from './authorize.ts';
import { releaseJoinCode } from './join-codes.ts';

/**
 * After this returns, this process accepts no further ballot on the poll (see PollCache), and its
 * join code is free for another poll. A release that fails leaves a reservation whose poll is
 * closed, which the next reservation of that code takes over, so it never blocks the close.
 */
export async function closePoll(deps: CommandDeps, pollId: string, actor: Actor, context: CommandContext): Promise<bigint> {
  await requirePollManager(deps.polls, pollId, actor);
  const { appended } = await handleCommand(
    deps.store,
    pollDecider,
    pollStream(pollId),
    { type: 'ClosePoll', data: { pollId, actorId: actorId(actor), now: deps.now() } },
    context,
  );
  const state = await deps.polls.refresh(pollId); // this process sees its own change at once
  if (state.status === 'closed' && state.joinCode) await releaseJoinCode(deps, state.joinCode, pollId, context).catch(() => undefined);
  return appended!.position;
}
