import type { PollSettings } from './definition.ts';

/**
 * The most vote tokens a poll may hold: its own `maxVoteTokens` where it set one, never more than
 * the server's bound. `source` names which of the two binds, for the error the organizer reads.
 */
export function voteTokenLimit(settings: Pick<PollSettings, 'maxVoteTokens'>, serverMax: number): { max: number; source: 'poll' | 'server' } {
  const own = settings.maxVoteTokens;
  return own !== undefined && own <= serverMax ? { max: own, source: 'poll' } : { max: serverMax, source: 'server' };
}
