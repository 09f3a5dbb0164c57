import type { Decider } from '../shared/decider.ts';
import type { UserCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { UserEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { initialUserState, type UserState } from './state.ts';

/** The user aggregate (stream `user-<userId>`). */
export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  decide,
  evolve,
  initialState: initialUserState,
};
