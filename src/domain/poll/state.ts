import type { PollDefinition } from './definition.ts';

/**
 * The folded poll stream. `none` is a stream that does not exist. Issued token hashes are kept
 * (not just counted) because the vote path reads this state, cached, to accept a vote token
 * without waiting for a projection; a Set, because a poll may have a million of them.
 * `milestones` holds the ballot milestones already recorded, so RecordMilestone is a no-op the
 * second time.
 */
export type PollState =
  | { status: 'none' }
  | { status: 'draft'; poll: PollDefinition; tokenHashes: ReadonlySet<string>; milestones: ReadonlySet<number> }
  | {
      status: 'active';
      poll: PollDefinition;
      tokenHashes: ReadonlySet<string>;
      milestones: ReadonlySet<number>;
      openedAt: string;
    }
  | {
      status: 'closed';
      poll: PollDefinition;
      tokenHashes: ReadonlySet<string>;
      milestones: ReadonlySet<number>;
      openedAt: string;
      closedAt: string;
    };

export type PollStatus = PollState['status'];

/** A poll that exists: what ballot commands receive as `poll`. */
export type ExistingPollState = Exclude<PollState, { status: 'none' }>;

export const initialPollState = (): PollState => ({ status: 'none' });
