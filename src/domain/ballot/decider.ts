import type { Decider } from '../shared/decider.ts';
import type { BallotCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { BallotEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { initialBallotState, type BallotState } from './state.ts';

export const ballotDecider: Decider<BallotCommand, BallotEvent, BallotState> = {
  decide,
  evolve,
  initialState: initialBallotState,
};
