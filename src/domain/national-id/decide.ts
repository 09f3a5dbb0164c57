import { assertNever } from '../shared/decider.ts';
import { toIso } from '../shared/time.ts';
import { requireId } from '../shared/validation.ts';
import type { ClaimNationalId, NationalIdCommand } from './commands.ts';
import { nationalIdTaken } from './errors.ts';
import type { NationalIdEvent } from './events.ts';
import type { NationalIdState } from './state.ts';

/**
 * One national id, one account. The handler appends the first claim with expected revision
 * `no_stream`, so two accounts claiming at once are decided by the store; this decider handles
 * the sequential cases. Claim first, then append NationalIdVerified to the user stream: a crash
 * in between leaves a claim the same user can safely repeat.
 */
export function decide(command: NationalIdCommand, state: NationalIdState): NationalIdEvent[] {
  switch (command.type) {
    case 'ClaimNationalId':
      return claim(command.data, state);
    default:
      return assertNever(command.type, 'national id command');
  }
}

function claim(command: ClaimNationalId['data'], state: NationalIdState): NationalIdEvent[] {
  switch (state.status) {
    case 'unclaimed':
      return [{
        type: 'NationalIdClaimed',
        data: {
          nationalIdHash: requireId(command.nationalIdHash, 'nationalIdHash'),
          userId: requireId(command.userId, 'userId'),
          claimedAt: toIso(command.now, 'now'),
        },
      }];
    case 'claimed':
      if (state.userId === command.userId) return [];
      throw nationalIdTaken();
    default:
      return assertNever(state, 'national id status');
  }
}
