import { createHmac, hash } from 'node:crypto';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../../domain/shared/errors.ts';
import { hashVoteToken } from '../polls/issue-vote-tokens.ts';
import { pollKey, type VoterKeyring } from '../../adapters/voter-keys.ts';

/** What a request says about who is voting; the voter policy decides which part counts. */
export interface VoterFacts {
  userId?: string;
  /** From the user stream; only read for `verified` polls. */
  nationalIdVerified?: () => Promise<boolean>;
  voteToken?: string;
  /** Where the request carries the token (`voteToken` in a ballot body), named by the error when it is missing. */
  voteTokenField?: string;
  ip: string;
  userAgent: string;
}

export interface Voter {
  voterKey: string;
  /** Stored with the ballot on polls that are not anonymous. */
  accountId?: string;
}

/**
 * The voter key of ARCHITECTURE.md: the ballot stream is `ballot-<pollId>-<voterKey>`, so one key
 * means one ballot. Anonymous polls and open polls key by an HMAC with a per-poll secret (derived
 * from the voter key the poll was created with, which is kept outside the database), so neither
 * the log nor a dump can name the person, and keys of one voter differ from poll to poll.
 */
export async function voterFor(poll: PollDefinition, facts: VoterFacts, keys: VoterKeyring): Promise<Voter> {
  const keyed = (value: string) => createHmac('sha256', pollKey(keys, poll)).update(value).digest('hex');
  const { voterPolicy, anonymous } = poll.settings;
  switch (voterPolicy) {
    case 'token': {
      if (!facts.voteToken) {
        throw new ValidationError('ballot.vote-token-required', 'this poll takes one-time vote tokens', { field: facts.voteTokenField ?? 'voteToken' });
      }
      return { voterKey: `t.${hashVoteToken(facts.voteToken)}` };
    }
    case 'open': {
      // One ballot per client fingerprint: weak by nature, which is why open polls get fraud checks.
      const fingerprint = hash('sha256', `${facts.ip}\n${facts.userAgent}`);
      return { voterKey: `f.${keyed(fingerprint)}` };
    }
    case 'verified':
    case 'account': {
      if (!facts.userId) throw new UnauthenticatedError('auth.required', 'this poll needs a logged-in account');
      if (voterPolicy === 'verified' && !(await facts.nationalIdVerified?.())) {
        throw new ForbiddenError('ballot.verification-required', 'this poll needs a verified national ID (POST /api/identity/verify)');
      }
      return anonymous ? { voterKey: `a.${keyed(facts.userId)}` } : { voterKey: `u.${facts.userId}`, accountId: facts.userId };
    }
    default: {
      const never: never = voterPolicy;
      throw new Error(`unknown voter policy ${String(never)}`);
    }
  }
}
