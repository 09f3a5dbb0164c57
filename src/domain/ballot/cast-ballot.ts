import { assertNever } from '../shared/decider.ts';
import { ValidationError } from '../shared/errors.ts';
import { toIso } from '../shared/time.ts';
import { requireId } from '../shared/validation.ts';
import { isAcceptingBallots } from '../poll/accepting.ts';
import { pollNotActive, pollNotFound } from '../poll/errors.ts';
import type { ExistingPollState } from '../poll/state.ts';
import type { BallotMetaInput, CastBallot, ChangeBallot } from './commands.ts';
import {
  BALLOT_CODES as C,
  ballotAlreadyCast,
  ballotIdMismatch,
  ballotNotFound,
  changeNotAllowed,
  invalidVoteToken,
} from './errors.ts';
import type { BallotCast, BallotChanged, BallotMeta, VoterKind } from './events.ts';
import type { BallotState } from './state.ts';
import { validateAnswers } from './validate-answers.ts';
import { checkCredentialVoter } from './credential-voter.ts';

/**
 * CastBallot and ChangeBallot. The checks run from the cheapest and most telling to the most
 * detailed: does the poll exist, has this voter already voted, is the poll taking ballots, may
 * this voter vote, and only then are the answers judged.
 */
export function castBallot(command: CastBallot['data'], state: BallotState): BallotCast[] {
  const poll = existingPoll(command);
  if (state.status !== 'none') throw ballotAlreadyCast();
  const castAt = checkVoter(command, poll);
  const credential = checkCredentialVoter(poll.poll, command.voterKey, command.credential);
  const answers = validateAnswers(command.answers, poll.poll.questions);
  const ballotId = requireId(command.ballotId, 'ballotId');
  return [{ type: 'BallotCast', data: { ...content(command, poll, ballotId), answers, castAt, voterKind: voterKindOf(poll), ...credential } }];
}

export function changeBallot(command: ChangeBallot['data'], state: BallotState): BallotChanged[] {
  const poll = existingPoll(command);
  if (state.status === 'none') throw ballotNotFound();
  if (command.ballotId !== undefined && command.ballotId !== state.ballotId) {
    throw ballotIdMismatch();
  }
  if (!poll.poll.settings.allowChangeVote) throw changeNotAllowed(poll.poll.pollId);
  const changedAt = checkVoter(command, poll);
  checkCredentialVoter(poll.poll, command.voterKey, command.credential);
  const answers = validateAnswers(command.answers, poll.poll.questions);
  return [{
    type: 'BallotChanged',
    data: { ...content(command, poll, state.ballotId), answers, previousAnswers: state.answers, changedAt },
  }];
}

type BallotInput = CastBallot['data'] | ChangeBallot['data'];

function existingPoll(command: BallotInput): ExistingPollState {
  const { poll } = command;
  if (poll.status === 'none') throw pollNotFound(command.pollId);
  // The handler picks the ballot stream and the cached poll separately; a mix-up must not vote.
  if (poll.poll.pollId !== command.pollId) {
    throw new ValidationError(C.pollMismatch, 'the poll does not match the ballot', { field: 'pollId' });
  }
  return poll;
}

/** Window, vote token and anonymity checks; returns the ballot's canonical time. */
function checkVoter(command: BallotInput, poll: ExistingPollState): string {
  const at = toIso(command.now, 'now');
  if (!isAcceptingBallots(poll, at)) throw pollNotActive(poll.poll.pollId);
  const voterKey = requireId(command.voterKey, 'voterKey');
  const { voterPolicy, anonymous } = poll.poll.settings;
  if (voterPolicy === 'token' && !(voterKey.startsWith('t.') && command.voteTokenIssued === true)) {
    throw invalidVoteToken();
  }
  // `u.<userId>` names the account: on an anonymous poll the caller must have hashed it.
  if (anonymous && voterKey.startsWith('u.')) {
    throw new ValidationError(C.voterKeyNotAnonymous, 'anonymous polls need a hashed voter key', { field: 'voterKey' });
  }
  return at;
}

/** What the poll's voter policy admitted this voter as (the same rule that makes the voter key). */
function voterKindOf(poll: ExistingPollState): VoterKind {
  const { voterPolicy, anonymous } = poll.poll.settings;
  switch (voterPolicy) {
    case 'token':
      return 'token';
    case 'open':
      return 'fingerprint';
    case 'account':
    case 'verified':
      if (poll.poll.settings.anonymity === 'blind') return 'credential';
      return anonymous ? 'pseudonym' : 'account';
    default:
      return assertNever(voterPolicy, 'voter policy');
  }
}

/** The fields BallotCast and BallotChanged share; the account id never reaches an anonymous ballot. */
function content(command: BallotInput, poll: ExistingPollState, ballotId: string) {
  const base = { ballotId, pollId: poll.poll.pollId, voterKey: command.voterKey, meta: toMeta(command.meta) };
  if (poll.poll.settings.anonymous || command.accountId === undefined) return base;
  return { ...base, accountId: command.accountId };
}

/** A fixed shape (null for unknown) so projections read every field without guessing. */
function toMeta(meta: BallotMetaInput | undefined): BallotMeta {
  const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
  return {
    ipPrefix: text(meta?.ipPrefix),
    device: text(meta?.device),
    country: text(meta?.country),
    userAgentHash: text(meta?.userAgentHash),
  };
}
