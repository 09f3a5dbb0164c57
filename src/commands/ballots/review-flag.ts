import { ballotDecider } from '../../domain/ballot/decider.ts';
import type { FlagDecision } from '../../domain/ballot/events.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';

export interface ReviewRequest {
  pollId: string;
  /** Which ballot stream: the API finds it from the flag id in the review queue read model. */
  voterKey: string;
  flagId: string;
  decision: FlagDecision;
  note: string;
  reviewerId: string;
}

/** ReviewFlag: a reviewer upholds (stays counted) or rejects (stops counting) a flagged ballot. */
export async function reviewFlag(deps: CommandDeps, request: ReviewRequest, context: CommandContext): Promise<bigint> {
  const { pollId, voterKey, ...review } = request;
  const { appended } = await handleCommand(
    deps.store,
    ballotDecider,
    ballotStream(pollId, voterKey),
    { type: 'ReviewFlag', data: { ...review, now: deps.now() } },
    context,
  );
  return appended!.position;
}
