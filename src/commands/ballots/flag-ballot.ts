import { ballotDecider } from '../../domain/ballot/decider.ts';
import type { JsonObject } from '../../domain/shared/json.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, mintId, type CommandContext } from '../handle-command.ts';

export interface FlagRequest {
  pollId: string;
  /** Which ballot stream: the API finds it from the ballot id in the ballots read model. */
  voterKey: string;
  ballotId: string;
  reasons: readonly string[];
  /** A reviewer's user id, or `system` for velocity detection. */
  flaggedBy: string;
  details?: JsonObject;
}

/** FlagSuspicious: marks a ballot for human review; it keeps counting until a reviewer rejects it. */
export async function flagBallot(deps: CommandDeps, request: FlagRequest, context: CommandContext): Promise<{ flagId: string; position: bigint }> {
  const flagId = mintId(context, 'flagId', deps.newId);
  const { pollId, voterKey, ...flag } = request;
  const { appended } = await handleCommand(
    deps.store,
    ballotDecider,
    ballotStream(pollId, voterKey),
    { type: 'FlagSuspicious', data: { ...flag, flagId, now: deps.now() } },
    context,
  );
  return { flagId, position: appended!.position };
}
