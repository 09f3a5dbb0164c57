import { assertNever } from '../shared/decider.ts';
import { ValidationError, ConflictError } from '../shared/errors.ts';
import { toIso, toMillis } from '../shared/time.ts';
import { requireId } from '../shared/validation.ts';
import type { ClosePoll, IssueVoteTokens, OpenPoll, PollCommand } from './commands.ts';
import { createPoll } from './create-poll.ts';
import { recordMilestone } from './milestones.ts';
import {
  POLL_CODES as C,
  pollAlreadyClosed,
  pollEnded,
  pollNotActive,
  pollNotDraft,
  pollNotFound,
  voteTokenLimitReached,
} from './errors.ts';
import type { PollEvent } from './events.ts';
import type { PollState } from './state.ts';
import { voteTokenLimit } from './vote-token-limit.ts';

/**
 * The poll's rules: a definition is created once, then the status only moves forward,
 * draft → active → closed. Who may open or close is checked by the handler (roles live in the
 * user stream); the actor is recorded in the event for the audit trail.
 */
export function decide(command: PollCommand, state: PollState): PollEvent[] {
  switch (command.type) {
    case 'CreatePoll':
      return createPoll(command.data, state);
    case 'OpenPoll':
      return openPoll(command.data, state);
    case 'ClosePoll':
      return closePoll(command.data, state);
    case 'IssueVoteTokens':
      return issueVoteTokens(command.data, state);
    case 'RecordMilestone':
      return recordMilestone(command.data, state);
    default:
      return assertNever(command, 'poll command');
  }
}

function openPoll(command: OpenPoll['data'], state: PollState): PollEvent[] {
  switch (state.status) {
    case 'none':
      throw pollNotFound(command.pollId);
    case 'active':
      throw pollNotDraft(command.pollId);
    case 'closed':
      throw pollAlreadyClosed(command.pollId);
    case 'draft': {
      const openedAt = toIso(command.now, 'now');
      // Opening a poll whose window is already over would create a poll nobody can vote in.
      const { endsAt } = state.poll.settings;
      if (endsAt !== null && toMillis(openedAt) >= toMillis(endsAt)) throw pollEnded(command.pollId);
      const openedBy = requireId(command.actorId, 'actorId');
      const joinCode = command.joinCode;
      return [{ type: 'PollOpened', data: { pollId: state.poll.pollId, openedBy, openedAt, ...(joinCode ? { joinCode } : {}) } }];
    }
    default:
      return assertNever(state, 'poll status');
  }
}

function closePoll(command: ClosePoll['data'], state: PollState): PollEvent[] {
  switch (state.status) {
    case 'none':
      throw pollNotFound(command.pollId);
    case 'draft':
      throw pollNotActive(command.pollId);
    case 'closed':
      throw pollAlreadyClosed(command.pollId);
    case 'active': {
      const closedAt = toIso(command.now, 'now');
      const closedBy = requireId(command.actorId, 'actorId');
      return [{ type: 'PollClosed', data: { pollId: state.poll.pollId, closedBy, closedAt } }];
    }
    default:
      return assertNever(state, 'poll status');
  }
}

function issueVoteTokens(command: IssueVoteTokens['data'], state: PollState): PollEvent[] {
  switch (state.status) {
    case 'none':
      throw pollNotFound(command.pollId);
    case 'closed':
      throw pollAlreadyClosed(command.pollId);
    case 'draft':
    case 'active':
      break;
    default:
      return assertNever(state, 'poll status');
  }
  if (state.poll.settings.voterPolicy !== 'token') {
    throw new ConflictError(C.tokensNotAllowed, `poll ${command.pollId} does not use vote tokens`);
  }
  const hashes = command.tokenHashes;
  if (!Array.isArray(hashes) || hashes.length === 0) {
    throw new ValidationError(C.invalidTokenHashes, 'at least one token hash is required', { field: 'tokenHashes' });
  }
  const limit = voteTokenLimit(state.poll.settings, command.maxPerPoll);
  if (state.tokensIssued + hashes.length > limit.max) throw voteTokenLimitReached(command.pollId, state.tokensIssued, hashes.length, limit);
  // Only the batch itself is checked for repeats: the state keeps a count, not the hashes. Tokens
  // are 128 random bits, so a hash equal to one issued earlier would be a bug upstream, and it
  // would still name one voter stream: it could never be a second ballot.
  const seen = new Set<string>();
  hashes.forEach((hash, i) => {
    const field = `tokenHashes[${i}]`;
    if (typeof hash !== 'string' || hash.length === 0) {
      throw new ValidationError(C.invalidTokenHashes, 'a token hash must be a non-empty string', { field });
    }
    if (seen.has(hash)) throw new ConflictError(C.tokenAlreadyIssued, 'token hash already issued', { field });
    seen.add(hash);
  });
  const issuedAt = toIso(command.now, 'now');
  return [{ type: 'VoteTokensIssued', data: { pollId: state.poll.pollId, tokenHashes: [...hashes], issuedAt } }];
}
