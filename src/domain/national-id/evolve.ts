import { assertNever } from '../shared/decider.ts';
import type { NationalIdEvent } from './events.ts';
import type { NationalIdState } from './state.ts';

/** The first claim wins; a later one (never produced by decide) does not move the id. */
export function evolve(state: NationalIdState, event: NationalIdEvent): NationalIdState {
  switch (event.type) {
    case 'NationalIdClaimed':
      return state.status === 'unclaimed' ? { status: 'claimed', ...event.data } : state;
    default:
      return assertNever(event.type, 'national id event');
  }
}
