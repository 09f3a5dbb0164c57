import type { Answer } from './answers.ts';
import type { BallotMeta } from './events.ts';

/** A flag moves once, pending → upheld or rejected; a decided flag is history, never reopened. */
export type FlagState = {
  flagId: string;
  reasons: readonly string[];
  flaggedBy: string;
  flaggedAt: string;
} & (
  | { status: 'pending' }
  | { status: 'upheld' | 'rejected'; reviewerId: string; note: string; reviewedAt: string }
);

export type BallotState =
  | { status: 'none' }
  | {
      status: 'cast';
      ballotId: string;
      pollId: string;
      voterKey: string;
      accountId: string | null;
      answers: readonly Answer[];
      meta: BallotMeta;
      castAt: string;
      /** The latest BallotChanged, or null while the first answers stand. */
      changedAt: string | null;
      flags: readonly FlagState[];
    };

export const initialBallotState = (): BallotState => ({ status: 'none' });
