import { assertNever } from '../shared/decider.ts';
import { castBallot, changeBallot } from './cast-ballot.ts';
import type { BallotCommand } from './commands.ts';
import type { BallotEvent } from './events.ts';
import { flagSuspicious, reviewFlag } from './flags.ts';
import type { BallotState } from './state.ts';

export function decide(command: BallotCommand, state: BallotState): BallotEvent[] {
  switch (command.type) {
    case 'CastBallot':
      return castBallot(command.data, state);
    case 'ChangeBallot':
      return changeBallot(command.data, state);
    case 'FlagSuspicious':
      return flagSuspicious(command.data, state);
    case 'ReviewFlag':
      return reviewFlag(command.data, state);
    default:
      return assertNever(command, 'ballot command');
  }
}
