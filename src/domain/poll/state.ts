import type { PollDefinition } from './definition.ts';

/**
 * The folded poll stream. `none` is a stream that does not exist. Issued token hashes are kept
 * (not just counted) because the vote path reads this state, cached, to accept a vote token
 * without waiting for a projection; an array keeps the state plain JSON for any cache.
 */
export type PollState =
  | { status: 'none' }
  | { status: 'draft'; poll: PollDefinition; tokenHashes: readonly string[] }
  | { status: 'active'; poll: PollDefinition; tokenHashes: readonly string[]; openedAt: string }
  | {
      status: 'closed';
      poll: PollDefinition;
      tokenHashes: readonly string[];
      openedAt: string;
      closedAt: string;
    };

export type PollStatus = PollState['status'];

/** A poll that exists: what ballot commands receive as `poll`. */
export type ExistingPollState = Exclude<PollState, { status: 'none' }>;

export const initialPollState = (): PollState => ({ status: 'none' });
