import { ballotDecider } from '../../domain/ballot/decider.ts';
import type { BallotEvent } from '../../domain/ballot/events.ts';
import { fraudCheckUnavailableOf } from '../../domain/poll/definition.ts';
import type { PollState } from '../../domain/poll/state.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';
import type { CommandDeps } from '../command-deps.ts';
import type { EventToAppend } from '../../event-store/port.ts';
import { mintId, toAppend, type CommandContext } from '../handle-command.ts';
import type { ScreeningFacts } from './screen-ballot.ts';

/**
 * The flag goes in the cast's one `no_stream` append, so a flagged ballot never exists unflagged,
 * and a normal ballot pays no extra write. Flag ids derive from the cast's command id plus
 * `:flag`, so a retried command mints the same flag and the store dedupes it. The caller runs
 * `release` if the store refuses the cast as a duplicate: a refused attempt must not count.
 */
export async function screenCast(
  deps: CommandDeps,
  input: { screening: ScreeningFacts | undefined; poll: PollState; cast: BallotEvent | undefined; now: Date; context: CommandContext },
): Promise<{ castContext: CommandContext; flags: EventToAppend[]; release: () => Promise<void> }> {
  const { poll, cast, now, context } = input;
  const nothing = async () => {};
  if (!deps.fraud || !input.screening || poll.status === 'none' || cast?.type !== 'BallotCast') return { castContext: context, flags: [], release: nothing };
  const screening = await deps.fraud.screen(poll.poll, cast.data.voterKey, input.screening, now);
  if (screening.status === 'skipped') {
    // Thrown before anything is appended: a refused ballot leaves no trace in the log.
    if (fraudCheckUnavailableOf(poll.poll.settings) === 'refuse') throw fraudCheckUnavailable(screening.error);
    return { castContext: { ...context, extra: { ...context.extra, fraudCheck: 'skipped' } }, flags: [], release: nothing };
  }
  if (screening.status === 'off') return { castContext: context, flags: [], release: nothing };
  const { release } = screening;
  if (screening.flag === null) return { castContext: context, flags: [], release };
  const afterCast = ballotDecider.evolve(ballotDecider.initialState(), cast);
  const flagged = ballotDecider.decide({
    type: 'FlagSuspicious',
    data: {
      flagId: mintId(context, 'flagId', deps.newId),
      ballotId: cast.data.ballotId,
      reasons: screening.flag.reasons,
      flaggedBy: 'system',
      details: screening.flag.details,
      now,
    },
  }, afterCast);
  const system: CommandContext = {
    actor: 'system',
    correlationId: context.correlationId,
    ...(context.commandId ? { commandId: `${context.commandId}:flag` } : {}),
    ...(context.requestDigest ? { requestDigest: context.requestDigest } : {}),
  };
  return { castContext: context, flags: toAppend(flagged, system), release };
}

/** 503: temporary by nature (the error handler adds Retry-After); the voter retries the same ballot. */
export const fraudCheckUnavailable = (cause: unknown): UnavailableError =>
  new UnavailableError(
    'fraud.check-unavailable',
    'the fraud check cannot run right now and this poll takes no unchecked ballots; nothing was recorded: retry shortly',
    { cause },
  );
