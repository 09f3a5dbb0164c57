import { toMillis, type Instant } from '../shared/time.ts';
import type { PollState } from './state.ts';

/**
 * The voting window. Status alone is not enough: the scheduler that appends PollClosed at endsAt
 * may run late or not at all, and a ballot after endsAt must be refused all the same. startsAt is
 * inclusive, endsAt exclusive, so back-to-back windows never overlap.
 */
export function isAcceptingBallots(state: PollState, now: Instant): boolean {
  if (state.status !== 'active') return false;
  const at = toMillis(now);
  if (!Number.isFinite(at)) return false;
  const { startsAt, endsAt } = state.poll.settings;
  if (startsAt !== null && at < toMillis(startsAt)) return false;
  if (endsAt !== null && at >= toMillis(endsAt)) return false;
  return true;
}
