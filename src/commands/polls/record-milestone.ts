import type { MilestoneReached } from '../../domain/poll/events.ts';
import { pollDecider } from '../../domain/poll/decider.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';

/**
 * Records that a poll's ballot count passed a milestone (the worker's milestone job, actor
 * `system`). Returns the MilestoneReached this command wrote, or the one a repeat of it (same
 * commandId) wrote earlier; undefined when the milestone was already recorded otherwise.
 */
export async function recordMilestone(
  deps: CommandDeps,
  input: { pollId: string; milestone: number; ballots: number },
  context: CommandContext,
): Promise<MilestoneReached | undefined> {
  const { events } = await handleCommand(
    deps.store,
    pollDecider,
    pollStream(input.pollId),
    { type: 'RecordMilestone', data: { ...input, now: deps.now() } },
    context,
  );
  return events.find((e): e is MilestoneReached => e.type === 'MilestoneReached');
}
