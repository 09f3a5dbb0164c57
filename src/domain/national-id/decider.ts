import type { Decider } from '../shared/decider.ts';
import type { NationalIdCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { NationalIdEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { initialNationalIdState, type NationalIdState } from './state.ts';

export const nationalIdDecider: Decider<NationalIdCommand, NationalIdEvent, NationalIdState> = {
  decide,
  evolve,
  initialState: initialNationalIdState,
};
