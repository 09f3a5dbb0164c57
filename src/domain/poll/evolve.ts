import { assertNever } from '../shared/decider.ts';
import type { PollEvent } from './events.ts';
import type { PollState } from './state.ts';

/**
 * Events are facts already in the log, so evolve never rejects one: an event that does not fit the
 * current status (which decide never produces) leaves the state unchanged.
 */
export function evolve(state: PollState, event: PollEvent): PollState {
  switch (event.type) {
    case 'PollCreated':
      return state.status === 'none'
        ? { status: 'draft', poll: event.data, tokensIssued: 0, milestones: new Set<number>() }
        : state;
    case 'PollOpened':
      return state.status === 'draft'
        ? { ...state, status: 'active', openedAt: event.data.openedAt, ...(event.data.joinCode ? { joinCode: event.data.joinCode } : {}) }
        : state;
    case 'PollClosed':
      return state.status === 'active'
        ? { ...state, status: 'closed', closedAt: event.data.closedAt }
        : state;
    case 'VoteTokensIssued':
      return state.status === 'none'
        ? state
        : { ...state, tokensIssued: state.tokensIssued + event.data.tokenHashes.length };
    case 'MilestoneReached':
      return state.status === 'none'
        ? state
        : { ...state, milestones: new Set([...state.milestones, event.data.milestone]) };
    default:
      return assertNever(event, 'poll event');
  }
}
