import { assertNever } from '../shared/decider.ts';
import type { BallotEvent, FlagDecision } from './events.ts';
import type { BallotState, FlagState } from './state.ts';

// Events are facts: one that cannot apply (never produced by decide) leaves the state as it was.
export function evolve(state: BallotState, event: BallotEvent): BallotState {
  switch (event.type) {
    case 'BallotCast': {
      if (state.status !== 'none') return state;
      const { ballotId, pollId, voterKey, accountId, answers, meta, castAt } = event.data;
      return {
        status: 'cast', ballotId, pollId, voterKey, accountId: accountId ?? null, answers, meta, castAt,
        changedAt: null, flags: [],
      };
    }
    case 'BallotChanged':
      return state.status === 'cast'
        ? { ...state, answers: event.data.answers, meta: event.data.meta, changedAt: event.data.changedAt }
        : state;
    case 'BallotFlagged': {
      if (state.status !== 'cast') return state;
      const { flagId, reasons, flaggedBy, flaggedAt } = event.data;
      const flag: FlagState = { flagId, reasons, flaggedBy, flaggedAt, status: 'pending' };
      return { ...state, flags: [...state.flags, flag] };
    }
    case 'FlagReviewed': {
      if (state.status !== 'cast') return state;
      const { flagId, decision, reviewerId, note, reviewedAt } = event.data;
      const flags = state.flags.map((flag): FlagState =>
        flag.flagId === flagId && flag.status === 'pending'
          ? { ...flag, status: decidedStatus(decision), reviewerId, note, reviewedAt }
          : flag,
      );
      return { ...state, flags };
    }
    default:
      return assertNever(event, 'ballot event');
  }
}

function decidedStatus(decision: FlagDecision): 'upheld' | 'rejected' {
  switch (decision) {
    case 'uphold':
      return 'upheld';
    case 'reject':
      return 'rejected';
    default:
      return assertNever(decision, 'flag decision');
  }
}
