import type { PollDefinition } from './definition.ts';

/**
 * The folded poll stream. Vote tokens are only counted (`tokensIssued`): the state is cached by
 * every API node, and holding the hashes cost each node about 1 KB per token issued. Whether a
 * token was issued is asked of the vote token registry (src/adapters/vote-tokens).
 */
export type PollState =
  | { status: 'none' }
  | { status: 'draft'; poll: PollDefinition; tokensIssued: number; milestones: ReadonlySet<number> }
  | {
      status: 'active';
      poll: PollDefinition;
      tokensIssued: number;
      milestones: ReadonlySet<number>;
      openedAt: string;
      /** Held while active; a closed poll keeps it only as history (the code is released). */
      joinCode?: string;
    }
  | {
      status: 'closed';
      poll: PollDefinition;
      tokensIssued: number;
      milestones: ReadonlySet<number>;
      openedAt: string;
      joinCode?: string;
      closedAt: string;
    };

export type PollStatus = PollState['status'];

export type ExistingPollState = Exclude<PollState, { status: 'none' }>;

export const initialPollState = (): PollState => ({ status: 'none' });
