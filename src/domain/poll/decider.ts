import type { Decider } from '../shared/decider.ts';
import type { PollCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { PollEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { initialPollState, type PollState } from './state.ts';

export const pollDecider: Decider<PollCommand, PollEvent, PollState> = {
  decide,
  evolve,
  initialState: initialPollState,
};
