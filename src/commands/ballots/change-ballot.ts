import { ballotDecider } from '../../domain/ballot/decider.ts';
import { pollNotActive } from '../../domain/poll/errors.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import { FencedOutError } from '../../event-store/errors.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { BallotReceipt, BallotRequest } from './cast-ballot.ts';
import { againAfterFencedOut, pollFence } from './poll-fence.ts';
import { ballotReceipt } from '../../domain/ballot/receipt.ts';
import { voteTokenIssued } from './vote-token-issued.ts';

/** Fenced on the poll stream like a cast (cast-ballot.ts); stores without fences take the close gate. */
export async function changeBallot(deps: CommandDeps, request: BallotRequest, context: CommandContext, attempt = 1): Promise<BallotReceipt> {
  const { state: poll, revision: pollRevision } = await deps.polls.current(request.pollId);
  const tokenIssued = await voteTokenIssued(deps, poll, request.voterKey);
  const stream = ballotStream(request.pollId, request.voterKey);
  const fence = pollFence(deps, request.pollId, pollRevision);
  let handled;
  try {
    handled = await handleCommand(
      deps.store,
      ballotDecider,
      stream,
      { type: 'ChangeBallot', data: { ...request, poll, now: deps.now(), ...(tokenIssued !== undefined ? { voteTokenIssued: tokenIssued } : {}) } },
      context,
      fence ? { fence } : undefined,
    );
  } catch (error) {
    if (!(error instanceof FencedOutError)) throw error;
    return againAfterFencedOut(deps, request.pollId, attempt, (next) => changeBallot(deps, request, context, next));
  }
  const { events, appended } = handled;
  const changed = events.find((e) => e.type === 'BallotChanged');
  if (!changed || !appended) throw new Error('ChangeBallot appended no BallotChanged');
  // Fenced: written means before any close (a repeat returns an append that was itself fenced).
  if (!fence) await deps.polls.assertOpenAt(request.pollId, appended.position, () => pollNotActive(request.pollId));
  return { ballotId: changed.data.ballotId, receipt: ballotReceipt(appended), position: appended.position };
}
