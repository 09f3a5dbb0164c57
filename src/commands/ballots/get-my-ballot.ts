import { invalidVoteToken, noBallotOfVoter } from '../../domain/ballot/errors.ts';
import { pollNotFound } from '../../domain/poll/errors.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { myBallotFrom, type MyBallot } from './my-ballot.ts';
import { voteTokenIssued } from './vote-token-issued.ts';

/**
 * getMyBallot: the caller's own ballot, for a voter who lost castBallot's answer (a dropped
 * connection after the commit) and would otherwise only ever see 409 already-voted. A query of
 * the write side: it folds the voter's ballot stream, which holds the ballot the moment castBallot
 * committed it, where a read model may still be behind. `voterKey` is made exactly as for
 * castBallot, so a voter can only ever reach their own stream.
 */
export async function getMyBallot(deps: Pick<CommandDeps, 'store' | 'polls' | 'voteTokens'>, pollId: string, voterKey: string): Promise<MyBallot> {
  const poll = await deps.polls.get(pollId);
  if (poll.status === 'none') throw pollNotFound(pollId);
  const { voterPolicy } = poll.poll.settings;
  // The same answer as castBallot for a token the poll never issued: 403, not "no ballot".
  if (voterPolicy === 'token' && (await voteTokenIssued(deps, poll, voterKey)) !== true) throw invalidVoteToken();
  const history = await deps.store.readStream(ballotStream(pollId, voterKey));
  const last = history.at(-1);
  if (last === undefined) throw noBallotOfVoter();
  const ballot = myBallotFrom(history, await deps.polls.closedBefore(pollId, last.position));
  if (ballot === undefined) throw noBallotOfVoter();
  if (voterPolicy !== 'open') return ballot;
  // An open poll's voter is a network address and a browser, which people behind one NAT with
  // the same browser share: they may learn that a ballot exists and its receipt, not its choices.
  const { answers: _hidden, ...withoutAnswers } = ballot;
  return withoutAnswers;
}
