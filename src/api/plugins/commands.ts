import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Readable } from 'node:stream';
import { pollKey } from '../../adapters/voter-keys.ts';
import { ImportJobs, type ImportJobsOptions } from '../../adapters/user-import/import-jobs-runner.ts';
import type { ImportFormat } from '../../adapters/user-import/parse-rows.ts';
import { castBallot } from '../../commands/ballots/cast-ballot.ts';
import { changeBallot } from '../../commands/ballots/change-ballot.ts';
import { flagBallot } from '../../commands/ballots/flag-ballot.ts';
import { reviewFlag } from '../../commands/ballots/review-flag.ts';
import { voterFor, type VoterFacts } from '../../commands/ballots/voter-key.ts';
import { clientFingerprint } from '../../commands/fraud/client-fingerprint.ts';
import { issueBallotCredential } from '../../commands/credentials/issue-credential.ts';
import { closePoll } from '../../commands/polls/close-poll.ts';
import { createPoll } from '../../commands/polls/create-poll.ts';
import { issueVoteTokens } from '../../commands/polls/issue-vote-tokens.ts';
import { openPoll } from '../../commands/polls/open-poll.ts';
import { accountDeps } from '../../commands/users/account-deps.ts';
import { changePassword } from '../../commands/users/change-password.ts';
import { grantRole } from '../../commands/users/grant-role.ts';
import { importRowsWith } from '../../commands/users/import/run-import.ts';
import { takeSetupTokens } from '../../commands/users/import/setup-tokens.ts';
import { login } from '../../commands/users/login.ts';
import { logoutEverywhere } from '../../commands/users/logout-everywhere.ts';
import { isNationalIdVerified } from '../../commands/users/national-id-verified.ts';
import { dummyHash } from '../../commands/users/password-hash.ts';
import { register } from '../../commands/users/register.ts';
import { requestEmailVerification } from '../../commands/users/request-email-verification.ts';
import { verifyEmail } from '../../commands/users/verify-email.ts';
import { verifyNationalId } from '../../commands/users/verify-national-id.ts';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import type { ApiServices } from '../api-services.ts';
import { ballotMeta } from '../ballot-meta.ts';
import { given } from './given.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The write side as routes reach it: each command with its ports (log, SQL, keys) bound. */
    commands: Commands;
  }
}

export type Commands = ReturnType<typeof commandsOf>;

export interface CommandsOptions {
  services: ApiServices;
  /** Upload size limit, spool folder, rows in flight of user imports (defaults in import-jobs-runner.ts). */
  imports?: ImportJobsOptions;
}

function commandsOf(services: ApiServices, jobs: ImportJobs) {
  const deps = services.commands;
  const accounts = accountDeps(services);
  const keys = services.secrets.voterKeys;
  return {
    createPoll: given(deps, createPoll),
    openPoll: given(deps, openPoll),
    closePoll: given(deps, closePoll),
    issueVoteTokens: given(deps, issueVoteTokens),
    castBallot: given(deps, castBallot),
    changeBallot: given(deps, changeBallot),
    flagBallot: given(deps, flagBallot),
    reviewFlag: given(deps, reviewFlag),
    /** Blind-signs a blind poll's credential with the poll's own key (src/adapters/credential-keys.ts). */
    issueBallotCredential: (command: Parameters<typeof issueBallotCredential>[2], context: Parameters<typeof issueBallotCredential>[3]) => {
      if (!deps.credentialKeys) throw new Error('this process has no credential key store');
      return issueBallotCredential(deps, deps.credentialKeys, command, context);
    },
    /** Who votes, as the poll's voter policy sees the request; the voter keys stay in here. */
    voterFor: (poll: PollDefinition, facts: Omit<VoterFacts, 'nationalIdVerified'>) =>
      voterFor(poll, { ...facts, nationalIdVerified: () => isNationalIdVerified(deps, facts.userId!) }, keys),
    /** The request facts stored with a ballot (src/api/ballot-meta.ts), hashed with the poll's own key. */
    ballotMeta: (poll: PollDefinition, client: { address: string; network: string }, userAgent: string) =>
      ballotMeta(client.address, userAgent, pollKey(keys, poll), services.countries, client.network),
    clientFingerprint: (ip: string) => clientFingerprint(services.secrets.identityKey, ip),
    /** A proof-of-work puzzle; undefined where fraud detection is off. */
    issueChallenge: () => deps.fraud?.challenges.issue(deps.now()),
    /** 428 at once for a ballot without a solution from a network known to be marked on the poll. */
    refuseKnownMarked: (pollId: string, facts: { ipPrefix: string; challenge?: string }) => deps.fraud?.refuseKnownMarked(pollId, facts, deps.now()),
    /** Whether the network is known to be challenged on the poll (the ballot route serves it last). */
    knowsMarked: (pollId: string, ipPrefix: string) => deps.fraud?.knowsMarked(pollId, ipPrefix, deps.now()) ?? false,
    register: given(accounts, register),
    login: given(accounts, login),
    changePassword: given(accounts, changePassword),
    logoutEverywhere: given(accounts, logoutEverywhere),
    verifyNationalId: given(accounts, verifyNationalId),
    grantRole: given(accounts, grantRole),
    requestEmailVerification: given(accounts, requestEmailVerification),
    verifyEmail: given(accounts, verifyEmail),
    /** Starts an import job in this process; its id at once, the rows in the background. */
    importUsers: (upload: Readable, format: ImportFormat, createdBy: string) => jobs.start(upload, format, createdBy),
    /** The setup tokens of a finished import, deleted as they are served. */
    takeSetupTokens: given(services.sql, takeSetupTokens),
  };
}

/** `app.commands`, for the routes registered after it. Also runs the import jobs of this process. */
export default fp<CommandsOptions>(
  async (app: FastifyInstance, { services, imports }) => {
    // Made now, not at the first failed login, which would otherwise take twice as long as the rest.
    await dummyHash();
    const jobs = new ImportJobs(services.sql, importRowsWith(accountDeps(services)), { logger: app.log, ...imports });
    // Shutdown stops running imports (they end as failed; importing the file again skips what they did).
    app.addHook('onClose', () => jobs.close());
    app.decorate('commands', commandsOf(services, jobs));
  },
  { name: 'commands' },
);
