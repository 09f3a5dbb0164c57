import type { Decider } from '../shared/decider.ts';
import type { CredentialCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { CredentialEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { initialCredentialState, type CredentialState } from './state.ts';

/** A ballot credential (stream `credential-<pollId>-<accountId>`): one blind signature per account and poll. */
export const credentialDecider: Decider<CredentialCommand, CredentialEvent, CredentialState> = {
  decide,
  evolve,
  initialState: initialCredentialState,
};
