import { ConflictError, ValidationError } from '../shared/errors.ts';
import { toIso } from '../shared/time.ts';
import { requireId, requireOneOf, requireText } from '../shared/validation.ts';
import type { FlagSuspicious, ReviewFlag } from './commands.ts';
import { BALLOT_CODES as C, ballotNotFound, flagAlreadyDecided, flagNotFound } from './errors.ts';
import type { BallotFlagged, FlagDecision, FlagReviewed } from './events.ts';
import type { BallotState } from './state.ts';

const DECISIONS: readonly FlagDecision[] = ['uphold', 'reject'];
const REASON_MAX = 200;
const NOTE_MAX = 2000;

/**
 * Fraud flags: raised by detection or a reviewer, decided once by a human, never deleted
 * (ARCHITECTURE.md). A ballot may carry several flags; a flag may be raised after the poll
 * closed, since review often happens then.
 */
export function flagSuspicious(command: FlagSuspicious['data'], state: BallotState): BallotFlagged[] {
  if (state.status === 'none' || state.ballotId !== command.ballotId) throw ballotNotFound();
  const flagId = requireId(command.flagId, 'flagId');
  // Flag ids come from the handler; a repeat would make "the" flag to review ambiguous.
  if (state.flags.some((flag) => flag.flagId === flagId)) {
    throw new ConflictError(C.flagExists, `flag ${flagId} already exists`, { field: 'flagId' });
  }
  const { reasons } = command;
  if (!Array.isArray(reasons) || reasons.length === 0) {
    throw new ValidationError(C.invalidReasons, 'a flag needs at least one reason', { field: 'reasons' });
  }
  const checked = reasons.map((reason, i) => requireText(reason, `reasons[${i}]`, C.invalidReasons, REASON_MAX));
  return [{
    type: 'BallotFlagged',
    data: {
      flagId,
      ballotId: state.ballotId,
      pollId: state.pollId,
      reasons: checked,
      flaggedBy: requireId(command.flaggedBy, 'flaggedBy'),
      details: command.details ?? null,
      flaggedAt: toIso(command.now, 'now'),
    },
  }];
}

export function reviewFlag(command: ReviewFlag['data'], state: BallotState): FlagReviewed[] {
  const flag = state.status === 'cast' ? state.flags.find((f) => f.flagId === command.flagId) : undefined;
  if (state.status === 'none' || flag === undefined) throw flagNotFound(command.flagId);
  if (flag.status !== 'pending') throw flagAlreadyDecided(command.flagId);
  const decision = requireOneOf(command.decision, DECISIONS, 'decision', C.invalidDecision);
  // A note may be empty (the decision speaks for itself) but is always a string for the audit view.
  const note = typeof command.note === 'string' ? command.note.trim() : '';
  if (note.length > NOTE_MAX) {
    throw new ValidationError(C.invalidNote, `a note is at most ${NOTE_MAX} characters`, { field: 'note' });
  }
  return [{
    type: 'FlagReviewed',
    data: {
      flagId: flag.flagId,
      ballotId: state.ballotId,
      pollId: state.pollId,
      decision,
      note,
      reviewerId: requireId(command.reviewerId, 'reviewerId'),
      reviewedAt: toIso(command.now, 'now'),
    },
  }];
}
