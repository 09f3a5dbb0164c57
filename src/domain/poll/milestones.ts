import { assertNever } from '../shared/decider.ts';
import { toIso } from '../shared/time.ts';
import { isSafeInteger } from '../shared/validation.ts';
import type { RecordMilestone } from './commands.ts';
import { POLL_CODES as C, pollInvalid, pollNotFound } from './errors.ts';
import type { MilestoneReached } from './events.ts';
import type { PollState } from './state.ts';

/** The ballot counts an organizer is notified about (seeds/003, "Milestone Calculation"). */
export const MILESTONES = [100, 1_000, 10_000, 100_000] as const;

export function milestonesReached(ballots: number): number[] {
  return MILESTONES.filter((m) => ballots >= m);
}

/**
 * RecordMilestone → MilestoneReached once per milestone. A repeat decides to nothing rather than
 * failing, because the job that sends it runs every few seconds and may be retried after a crash.
 * Any existing poll takes it, closed ones included: the count may cross a milestone just before
 * the close and the job only notice it after.
 */
export function recordMilestone(command: RecordMilestone['data'], state: PollState): MilestoneReached[] {
  switch (state.status) {
    case 'none':
      throw pollNotFound(command.pollId);
    case 'draft':
    case 'active':
    case 'closed':
      break;
    default:
      return assertNever(state, 'poll status');
  }
  const { milestone, ballots } = command;
  if (!(MILESTONES as readonly number[]).includes(milestone)) {
    throw pollInvalid(C.invalidMilestone, 'milestone', `milestone must be one of ${MILESTONES.join(', ')}`);
  }
  // The count comes from a read model; one below the milestone means a bug in the caller.
  if (!isSafeInteger(ballots) || ballots < milestone) {
    throw pollInvalid(C.invalidMilestone, 'ballots', `ballots must be an integer of at least ${milestone}`);
  }
  if (state.milestones.has(milestone)) return [];
  const reachedAt = toIso(command.now, 'now');
  return [{ type: 'MilestoneReached', data: { pollId: state.poll.pollId, milestone, ballots, reachedAt } }];
}
