import { pollDecider } from '../../domain/poll/decider.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { actorId, requirePollManager, type Actor } from './authorize.ts';

export async function openPoll(deps: CommandDeps, pollId: string, actor: Actor, context: CommandContext): Promise<bigint> {
  await requirePollManager(deps.polls, pollId, actor);
  const { appended } = await handleCommand(
    deps.store,
    pollDecider,
    pollStream(pollId),
    { type: 'OpenPoll', data: { pollId, actorId: actorId(actor), now: deps.now() } },
    context,
  );
  await deps.polls.refresh(pollId); // this process sees its own change at once
  return appended!.position;
}
