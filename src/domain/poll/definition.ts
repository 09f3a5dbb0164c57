import type { CredentialKey } from './credential-key.ts';

/**
 * A poll's definition: fixed by PollCreated and never changed afterwards (only the status moves),
 * which is why the vote path may cache it. Questions are a union on `kind` so that each kind only
 * has the fields that mean something for it.
 */
export const QUESTION_KINDS = ['single', 'multiple', 'ranked', 'rating'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const VOTER_POLICIES = ['account', 'verified', 'token', 'open'] as const;
export type VoterPolicy = (typeof VOTER_POLICIES)[number];

export const VISIBILITIES = ['public', 'private', 'organization'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/**
 * What a ballot meets when the fraud check cannot run (the velocity counter times out or is
 * unreachable): `accept` fails open, the ballot goes in marked unchecked; `refuse` fails closed
 * for high-stakes polls, the voter is told to retry and nothing is written.
 */
export const FRAUD_CHECK_UNAVAILABLE = ['accept', 'refuse'] as const;
export type FraudCheckUnavailable = (typeof FRAUD_CHECK_UNAVAILABLE)[number];

/** `imageUrl`: a picture shown with the option (http or https); absent when the organizer gave none. */
export type OptionDefinition = { optionId: string; text: string; imageUrl?: string };

export type RatingScale = { min: number; max: number };

type QuestionBase = { questionId: string; text: string };

export type SingleQuestion = QuestionBase & { kind: 'single'; options: readonly OptionDefinition[] };
/** `maxChoices` is always stored (defaulting to the number of options) so readers need no default. */
export type MultipleQuestion = QuestionBase & {
  kind: 'multiple';
  maxChoices: number;
  options: readonly OptionDefinition[];
};
export type RankedQuestion = QuestionBase & { kind: 'ranked'; options: readonly OptionDefinition[] };
export type RatingQuestion = QuestionBase & { kind: 'rating'; scale: RatingScale };

export type QuestionDefinition = SingleQuestion | MultipleQuestion | RankedQuestion | RatingQuestion;

export type PollSettings = {
  voterPolicy: VoterPolicy;
  anonymous: boolean;
  allowChangeVote: boolean;
  visibility: Visibility;
  showResultsBeforeClose: boolean;
  /** ISO-8601 UTC; null = as soon as the poll is opened. */
  startsAt: string | null;
  /** ISO-8601 UTC, exclusive; null = until the poll is closed. */
  endsAt: string | null;
  /** Ballots per IP prefix in the window before flagging; null = the server default, 0 = off. */
  fraudVelocityLimit: number | null;
  /** null = the server default. */
  fraudVelocityWindowSeconds: number | null;
  /**
   * Always stored by CreatePoll; optional because polls created before the setting existed lack
   * it, and those accept as every poll did then (read it through `fraudCheckUnavailableOf`).
   */
  fraudCheckUnavailable?: FraudCheckUnavailable;
  /**
   * http(s) URL the organizer wants milestone notifications POSTed to (src/worker/jobs/webhooks).
   * Optional rather than null so that polls created before the setting existed stay valid as they are.
   */
  milestoneWebhookUrl?: string;
  /** `blind`: ballots carry blind-signed credentials (./credential-key.ts); absent = as `anonymous` says. */
  anonymity?: 'blind';
  /**
   * Token polls: the most vote tokens this poll may issue, 1..POLL_LIMITS.maxVoteTokens. Absent
   * when the organizer set none: the server's VOTE_TOKENS_MAX_PER_POLL alone bounds it then.
   */
  maxVoteTokens?: number;
};

export const fraudCheckUnavailableOf = (settings: Pick<PollSettings, 'fraudCheckUnavailable'>): FraudCheckUnavailable =>
  settings.fraudCheckUnavailable ?? 'accept';

export type PollDefinition = {
  pollId: string;
  slug: string;
  organizerId: string;
  title: string;
  description: string | null;
  questions: readonly QuestionDefinition[];
  settings: PollSettings;
  createdAt: string;
  /**
   * The voter key (src/adapters/voter-keys.ts) that derives this poll's anonymous voter keys, for
   * its whole life: a key rotation must not give a voter a second voter key in an open poll.
   * Absent on polls created before it was recorded: those use the key ring's base key.
   */
  voterKeyId?: string;
  /** Blind polls only: the public key their ballot credentials verify with. */
  credentialKey?: CredentialKey;
};

/** Limits of a poll definition; exported so the API schemas can state the same numbers. */
export const POLL_LIMITS = {
  titleMaxLength: 200,
  descriptionMaxLength: 5000,
  slugMaxLength: 100,
  minQuestions: 1,
  maxQuestions: 20,
  questionTextMaxLength: 500,
  minOptions: 2,
  maxOptions: 50,
  optionTextMaxLength: 200,
  maxScaleSpan: 100,
  /** The largest `settings.maxVoteTokens` a poll may ask for; the server's bound may be lower. */
  maxVoteTokens: 10_000_000,
} as const;
