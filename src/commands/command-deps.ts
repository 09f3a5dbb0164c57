import type { VoteTokenRegistry } from '../adapters/vote-tokens/port.ts';
import type { WebhookTargets } from '../adapters/webhook-targets.ts';
import type { CredentialKeys } from '../adapters/credential-keys.ts';
import type { EventStore } from '../event-store/port.ts';
import type { BallotScreen } from './fraud/screen-ballot.ts';
import type { PollCache } from '../adapters/poll-cache/poll-cache.ts';

/**
 * What every command needs, passed in (no module singletons): the log, the poll cache and the
 * vote token registry of the vote path, and the sources of time and ids that the pure deciders must not touch themselves.
 */
export interface CommandDeps {
  store: EventStore;
  polls: PollCache;
  /** Whether a vote token was issued for a poll, looked up in the log (the poll state only counts them). */
  voteTokens: VoteTokenRegistry;
  /** VOTE_TOKENS_MAX_PER_POLL: no poll issues more tokens; default 1,000,000. */
  maxVoteTokensPerPoll?: number;
  now: () => Date;
  newId: () => string;
  /** Velocity detection and challenges on the ballot path; absent = ballots are not screened. */
  fraud?: BallotScreen;
  /** Where milestone webhooks may point (a poll with a forbidden literal address is refused); default public addresses only. */
  webhookTargets?: WebhookTargets;
  /** Draws a join code candidate of `digits` digits; default uniformly random (tests rig collisions). */
  drawJoinCode?: (digits: number) => string;
  /** The current voter key's id (src/adapters/voter-keys.ts), recorded on each new poll. */
  voterKeyId?: string;
  /** The key pairs of blind polls (src/commands/credentials); absent = this process creates no blind poll. */
  credentialKeys?: CredentialKeys;
}
