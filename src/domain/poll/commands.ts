import type { DomainCommand } from '../shared/decider.ts';
import type { Instant } from '../shared/time.ts';
import type { FraudCheckUnavailable, QuestionKind, Visibility, VoterPolicy } from './definition.ts';

/**
 * Commands carry every id and the current time: the handler mints UUIDs (pollId, questionIds,
 * optionIds) and reads the clock, so the decider stays deterministic and testable.
 * Input types are looser than the definition (optional fields per kind) because they mirror the
 * request body; CreatePoll validation turns them into a strict PollDefinition.
 */
export type QuestionInput = {
  questionId: string;
  text: string;
  kind: QuestionKind;
  /** `multiple` only, 1..number of options; defaults to the number of options. */
  maxChoices?: number;
  /** 2..50 for single, multiple and ranked; absent for rating. */
  options?: readonly { optionId: string; text: string; imageUrl?: string | null }[];
  /** `rating` only: integers, min < max, max - min <= 100. */
  scale?: { min: number; max: number };
};

export type PollSettingsInput = {
  voterPolicy: VoterPolicy;
  anonymous: boolean;
  allowChangeVote: boolean;
  visibility: Visibility;
  showResultsBeforeClose: boolean;
  startsAt: string | null;
  endsAt: string | null;
  fraudVelocityLimit?: number | null;
  fraudVelocityWindowSeconds?: number | null;
  /** Absent or null = `accept`. */
  fraudCheckUnavailable?: FraudCheckUnavailable | null;
  milestoneWebhookUrl?: string | null;
  /** Token polls only: the most vote tokens the poll may ever issue (1..POLL_LIMITS.maxVoteTokens). */
  maxVoteTokens?: number | null;
};

export type CreatePoll = DomainCommand<
  'CreatePoll',
  {
    pollId: string;
    slug: string;
    organizerId: string;
    title: string;
    description?: string | null;
    questions: readonly QuestionInput[];
    settings: PollSettingsInput;
    now: Instant;
    /** The current voter key's id, recorded on the poll. */
    voterKeyId?: string;
  }
>;

/** `joinCode`: the code the handler reserved for the poll (6-8 digits), recorded in PollOpened. */
export type OpenPoll = DomainCommand<'OpenPoll', { pollId: string; actorId: string; now: Instant; joinCode?: string }>;

/** `actorId` may be `system` for the scheduler that closes polls at endsAt. */
export type ClosePoll = DomainCommand<'ClosePoll', { pollId: string; actorId: string; now: Instant }>;

/**
 * `maxPerPoll` is the server's bound (VOTE_TOKENS_MAX_PER_POLL), passed in like the clock: a poll
 * never holds more tokens than it, nor more than its own `settings.maxVoteTokens`.
 */
export type IssueVoteTokens = DomainCommand<
  'IssueVoteTokens',
  { pollId: string; tokenHashes: readonly string[]; maxPerPoll: number; now: Instant }
>;

/**
 * Sent by the milestone job when the read model's ballot count has passed `milestone`; a
 * milestone already recorded decides to nothing, so a retried or duplicated job is harmless.
 */
export type RecordMilestone = DomainCommand<
  'RecordMilestone',
  { pollId: string; milestone: number; ballots: number; now: Instant }
>;

export type PollCommand = CreatePoll | OpenPoll | ClosePoll | IssueVoteTokens | RecordMilestone;

/**
 * What a poll is unless its creator says otherwise: any logged-in account, one ballot each that
 * names its voter and cannot be changed, listed publicly, results visible while it runs, no window.
 */
export const DEFAULT_POLL_SETTINGS = {
  voterPolicy: 'account',
  anonymous: false,
  allowChangeVote: false,
  visibility: 'public',
  showResultsBeforeClose: true,
  startsAt: null,
  endsAt: null,
} as const satisfies PollSettingsInput;
