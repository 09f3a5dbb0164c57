import { hash, randomBytes } from 'node:crypto';
import { pollDecider } from '../../domain/poll/decider.ts';
import { POLL_CODES } from '../../domain/poll/errors.ts';
import type { IssueVoteTokens } from '../../domain/poll/commands.ts';
import type { PollEvent, VoteTokensIssued } from '../../domain/poll/events.ts';
import { ConflictError, ValidationError } from '../../domain/shared/errors.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { WrongExpectedRevisionError } from '../../event-store/errors.ts';
import { handleCommand, toAppend, type CommandContext, type HandledCommand } from '../handle-command.ts';
import { requirePollManager, type Actor } from './authorize.ts';

export const MAX_TOKENS_PER_REQUEST = 10_000;
export const DEFAULT_MAX_VOTE_TOKENS_PER_POLL = 1_000_000;

/** sha256 hex: what the log stores of a token, and (prefixed `t.`) the voter key it votes under. */
// One-shot: every token ballot hashes its token, and issuing hashes up to 10,000 a request.
export const hashVoteToken = (token: string): string => hash('sha256', token);

/**
 * 409: a retry (same Idempotency-Key, same body) of a request whose tokens were issued. They were
 * shown once, in the first answer, and exist nowhere else: the log keeps their hashes only, so
 * they cannot be shown again, and answering with fresh tokens would hand out tokens nobody issued.
 */
export const tokensAlreadyShown = (pollId: string): ConflictError =>
  new ConflictError(
    'poll.tokens-already-shown',
    `the vote tokens of this request were issued for poll ${pollId} and shown once, in the first answer; they are stored hashed and cannot be shown again. ` +
      'If that answer was lost, issue new tokens with a new Idempotency-Key (the lost ones stay issued and count towards the maximum)',
  );

/**
 * Mints one-time vote tokens: 128 random bits each, returned once to the organizer; the log
 * keeps only their hashes, so a leaked log issues no votes. The poll may hold at most
 * `maxVoteTokensPerPoll` (VOTE_TOKENS_MAX_PER_POLL), or its own lower `settings.maxVoteTokens`.
 */
export async function issueVoteTokens(
  deps: CommandDeps,
  pollId: string,
  count: number,
  actor: Actor,
  context: CommandContext,
): Promise<{ tokens: string[]; position: bigint }> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_TOKENS_PER_REQUEST) {
    throw new ValidationError('poll.invalid-token-count', `count must be 1..${MAX_TOKENS_PER_REQUEST}`, { field: 'count' });
  }
  await requirePollManager(deps.polls, pollId, actor);
  const tokens = Array.from({ length: count }, () => randomBytes(16).toString('base64url'));
  const tokenHashes = tokens.map(hashVoteToken);
  const stream = pollStream(pollId);
  const maxPerPoll = deps.maxVoteTokensPerPoll ?? DEFAULT_MAX_VOTE_TOKENS_PER_POLL;
  const command = { type: 'IssueVoteTokens' as const, data: { pollId, tokenHashes, maxPerPoll, now: deps.now() } };
  // With a command id, the generic handler reads the stream to find a first answer (and a key
  // reused for another body); without one, the cached state decides, so an issuance does not
  // read back every hash issued before it (650 kB per 10,000 tokens).
  const handled = context.commandId ? handleCommand(deps.store, pollDecider, stream, command, context) : decideOnCachedPoll(deps, stream, command, context);
  const { events, appended } = await handled.catch((error: unknown) => {
    // The request names a count, not hashes: the field at fault is `count`.
    if (error instanceof ValidationError && error.code === POLL_CODES.voteTokenLimit) {
      throw new ValidationError(error.code, error.message, { field: 'count', cause: error });
    }
    throw error;
  });
  // A repeated command returns the events of the first request: other tokens than these.
  const issued = events.find((e): e is VoteTokensIssued => e.type === 'VoteTokensIssued');
  if (!issued || !appended || issued.data.tokenHashes[0] !== tokenHashes[0]) throw tokensAlreadyShown(pollId);
  // Two identical requests at the same instant derive the same event ids, and the store takes the
  // later append for an idempotent repeat of the earlier one: only the stored hashes say whose won.
  if (context.commandId) {
    const [stored] = await deps.store.readStream(stream, { fromRevision: appended.nextExpectedRevision, maxCount: 1 });
    const storedHashes = (stored?.data as VoteTokensIssued['data'] | undefined)?.tokenHashes;
    if (storedHashes?.[0] !== tokenHashes[0]) throw tokensAlreadyShown(pollId);
  }
  return { tokens, position: appended.position };
}

/**
 * Decides against the poll cache's state, read through to the stream's end, and appends expecting
 * the revision that state folds: a concurrent issuance makes the append lose, and the decision is
 * made again on the new state, so the maximum holds as with the generic handler.
 */
async function decideOnCachedPoll(deps: CommandDeps, stream: string, command: IssueVoteTokens, context: CommandContext): Promise<HandledCommand<PollEvent>> {
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await deps.polls.latest(command.data.pollId);
    const events = pollDecider.decide(command, state);
    const toStore = toAppend(events, context);
    try {
      const appended = await deps.store.append(stream, toStore, revision < 0n ? 'no_stream' : revision);
      return { events, eventIds: toStore.map((e) => e.id), appended };
    } catch (error) {
      // Each loss means another issuance went in: progress, so a few more tries than the generic three.
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= 10) throw error;
    }
  }
}
