import { pollDecider } from '../../domain/poll/decider.ts';
import type { PollOpened } from '../../domain/poll/events.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { actorId, requirePollManager, type Actor } from './authorize.ts';
import { releaseJoinCode, reserveJoinCode } from './join-codes.ts';

/**
 * Reserves a join code, then opens the poll recording it in PollOpened. A code the open did not
 * use (it failed, or it was a retry answered with the first open's events) is released again.
 */
export async function openPoll(deps: CommandDeps, pollId: string, actor: Actor, context: CommandContext): Promise<{ position: bigint; joinCode: string | undefined }> {
  const state = await requirePollManager(deps.polls, pollId, actor);
  const code = state.status === 'draft' ? await reserveJoinCode(deps, pollId, context) : undefined;
  let handled;
  try {
    handled = await handleCommand(
      deps.store,
      pollDecider,
      pollStream(pollId),
      { type: 'OpenPoll', data: { pollId, actorId: actorId(actor), now: deps.now(), ...(code ? { joinCode: code } : {}) } },
      context,
    );
  } catch (error) {
    if (code) await releaseJoinCode(deps, code, pollId, context).catch(() => undefined);
    throw error;
  }
  const opened = handled.events.find((e): e is PollOpened => e.type === 'PollOpened');
  const joinCode = opened?.data.joinCode;
  if (code && joinCode !== code) await releaseJoinCode(deps, code, pollId, context);
  await deps.polls.refresh(pollId); // this process sees its own change at once
  return { position: handled.appended!.position, joinCode };
}
