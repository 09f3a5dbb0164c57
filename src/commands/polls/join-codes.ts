import { randomInt } from 'node:crypto';
import {
  joinCodeDecider,
  joinCodeNotFound,
  joinCodeStream,
  JOIN_CODE_PATTERN,
  type JoinCodeCommand,
  type JoinCodeState,
} from '../../domain/join-code/join-code.ts';
import { ConflictError } from '../../domain/shared/errors.ts';
import type { ExistingPollState } from '../../domain/poll/state.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import { WrongExpectedRevisionError } from '../../event-store/errors.ts';
import type { CommandDeps } from '../command-deps.ts';
import { toAppend, type CommandContext } from '../handle-command.ts';

/**
 * A reservation whose poll is still a draft is someone opening it right now; past this it is a
 * poll whose opening failed after the reservation (a crash between the two appends), and stale.
 */
const OPENING_GRACE_MS = 10 * 60_000;
/** Random draws per length before a longer code is tried: 6 digits while few polls are active. */
const DRAWS_PER_LENGTH = 8;

/** Whether `code`'s holder still needs it: active with this code, or opening right now. */
async function holderLive(deps: CommandDeps, code: string, state: JoinCodeState): Promise<boolean> {
  if (state.status === 'free') return false;
  const poll = await deps.polls.refresh(state.pollId);
  if (poll.status === 'active') return poll.joinCode === code;
  return poll.status === 'draft' && deps.now().getTime() - Date.parse(state.reservedAt) < OPENING_GRACE_MS;
}

/**
 * Reads `joincode-<code>`, decides with what the holder's poll stream says, and appends with the
 * revision read: a racer who appended first makes this one a WrongExpectedRevision, i.e. taken.
 * True when `pollId` holds the code afterwards.
 */
async function runJoinCodeCommand(deps: CommandDeps, command: (state: JoinCodeState, live: boolean) => JoinCodeCommand, code: string, context: CommandContext): Promise<boolean> {
  const stream = joinCodeStream(code);
  const { state, revision } = await aggregateStream(deps.store, joinCodeDecider, stream);
  const decided = command(state, await holderLive(deps, code, state));
  let events;
  try {
    events = joinCodeDecider.decide(decided, state);
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
  if (events.length === 0) return decided.type === 'ReserveJoinCode';
  try {
    // No command id: a retried open reserves afresh and releases what it does not use.
    await deps.store.append(stream, toAppend(events, { ...context, commandId: undefined, requestDigest: undefined } as CommandContext), revision ?? 'no_stream');
    return true;
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return false;
    throw error;
  }
}

/** Reserves a code for a poll about to open: random, 6 digits, longer only when 6 keep colliding. */
export async function reserveJoinCode(deps: CommandDeps, pollId: string, context: CommandContext): Promise<string> {
  for (let digits = 6; digits <= 8; digits++) {
    for (let draw = 0; draw < DRAWS_PER_LENGTH; draw++) {
      const code = deps.drawJoinCode?.(digits) ?? String(randomInt(10 ** (digits - 1), 10 ** digits));
      const reserved = await runJoinCodeCommand(deps, (_state, live) => ({ type: 'ReserveJoinCode', data: { code, pollId, holderLive: live, now: deps.now() } }), code, context);
      if (reserved) return code;
    }
  }
  throw new ConflictError('join-code.exhausted', 'no free join code was found; try again');
}

/** Frees a poll's code (at close, or when an open did not use it); a code held by another poll is left alone. */
export async function releaseJoinCode(deps: CommandDeps, code: string, pollId: string, context: CommandContext): Promise<void> {
  await runJoinCodeCommand(deps, () => ({ type: 'ReleaseJoinCode', data: { code, pollId, now: deps.now() } }), code, context);
}

/**
 * The active poll a join code names: the holder in `joincode-<code>`, if that poll is active with
 * this very code. Anything else (free, stale, malformed) is 404 `join-code.not-found`.
 */
export async function findPollByJoinCode(deps: CommandDeps, code: string): Promise<ExistingPollState & { status: 'active' }> {
  if (!JOIN_CODE_PATTERN.test(code)) throw joinCodeNotFound(code);
  const { state } = await aggregateStream(deps.store, joinCodeDecider, joinCodeStream(code));
  if (state.status === 'free') throw joinCodeNotFound(code);
  const poll = await deps.polls.get(state.pollId);
  if (poll.status !== 'active' || poll.joinCode !== code) throw joinCodeNotFound(code);
  return poll;
}
