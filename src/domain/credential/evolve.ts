import { assertNever } from '../shared/decider.ts';
import type { CredentialEvent } from './events.ts';
import type { CredentialState } from './state.ts';

/** The first issuance stands; a stream can hold no second one (`no_stream`), and a fact that cannot apply changes nothing. */
export function evolve(state: CredentialState, event: CredentialEvent): CredentialState {
  switch (event.type) {
    case 'BallotCredentialIssued': {
      if (state.status !== 'none') return state;
      const { pollId, blindedMessageHash, issuedAt } = event.data;
      return { status: 'issued', pollId, blindedMessageHash, issuedAt };
    }
    default:
      return assertNever(event.type, 'credential event');
  }
}
