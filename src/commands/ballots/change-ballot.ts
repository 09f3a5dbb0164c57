import { ballotDecider } from '../../domain/ballot/decider.ts';
import { pollNotActive } from '../../domain/poll/errors.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { BallotReceipt, BallotRequest } from './cast-ballot.ts';
import { ballotReceipt } from '../../domain/ballot/receipt.ts';
import { voteTokenIssued } from './vote-token-issued.ts';

export async function changeBallot(deps: CommandDeps, request: BallotRequest, context: CommandContext): Promise<BallotReceipt> {
  const poll = await deps.polls.get(request.pollId);
  const tokenIssued = await voteTokenIssued(deps, poll, request.voterKey);
  const stream = ballotStream(request.pollId, request.voterKey);
  const { events, appended } = await handleCommand(
    deps.store,
    ballotDecider,
    stream,
    { type: 'ChangeBallot', data: { ...request, poll, now: deps.now(), ...(tokenIssued !== undefined ? { voteTokenIssued: tokenIssued } : {}) } },
    context,
  );
  const changed = events.find((e) => e.type === 'BallotChanged');
  if (!changed || !appended) throw new Error('ChangeBallot appended no BallotChanged');
  await deps.polls.assertOpenAt(request.pollId, appended.position, () => pollNotActive(request.pollId));
  return { ballotId: changed.data.ballotId, receipt: ballotReceipt(appended), position: appended.position };
}
