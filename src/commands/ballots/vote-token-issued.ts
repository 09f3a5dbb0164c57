import type { PollState } from '../../domain/poll/state.ts';
import type { CommandDeps } from '../command-deps.ts';

/**
 * The `voteTokenIssued` fact of a ballot command: on a token poll, whether the registry finds the
 * token behind `t.<hash>` issued for this very poll; undefined where the poll takes no tokens (no
 * lookup, and the decider does not ask). Read from the log on every node, so a token issued
 * through another node, or before a restart, counts at once.
 */
export async function voteTokenIssued(deps: Pick<CommandDeps, 'voteTokens'>, poll: PollState, voterKey: string): Promise<boolean | undefined> {
  if (poll.status === 'none' || poll.poll.settings.voterPolicy !== 'token') return undefined;
  if (!voterKey.startsWith('t.')) return false;
  return deps.voteTokens.isIssued(poll.poll.pollId, voterKey.slice(2));
}
