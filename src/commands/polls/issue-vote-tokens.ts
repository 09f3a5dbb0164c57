import { createHash, randomBytes } from 'node:crypto';
import { pollDecider } from '../../domain/poll/decider.ts';
import { ValidationError } from '../../domain/shared/errors.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { requirePollManager, type Actor } from './authorize.ts';

const MAX_TOKENS_PER_REQUEST = 10_000;

/** sha256 hex: what the log stores of a token, and (prefixed `t.`) the voter key it votes under. */
export const hashVoteToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Mints one-time vote tokens: 128 random bits each, returned once to the organizer; the log
 * keeps only their hashes, so a leaked log issues no votes.
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
  const { appended } = await handleCommand(
    deps.store,
    pollDecider,
    pollStream(pollId),
    { type: 'IssueVoteTokens', data: { pollId, tokenHashes: tokens.map(hashVoteToken), now: deps.now() } },
    context,
  );
  await deps.polls.refresh(pollId); // this process sees its own change at once
  return { tokens, position: appended!.position };
}
