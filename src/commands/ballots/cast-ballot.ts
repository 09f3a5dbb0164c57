import type { AnswerInput } from '../../domain/ballot/answers.ts';
import type { BallotMetaInput } from '../../domain/ballot/commands.ts';
import type { BallotCredential } from '../../domain/ballot/credential-voter.ts';
import { ballotDecider } from '../../domain/ballot/decider.ts';
import { BALLOT_CODES } from '../../domain/ballot/errors.ts';
import { pollNotActive } from '../../domain/poll/errors.ts';
import { ConflictError } from '../../domain/shared/errors.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { FencedOutError, WrongExpectedRevisionError } from '../../event-store/errors.ts';
import { screenCast } from '../fraud/flag-on-cast.ts';
import type { ScreeningFacts } from '../fraud/screen-ballot.ts';
import { asKeyReuse, handleCommand, mintId, toAppend, type CommandContext } from '../handle-command.ts';
import { ballotReceipt } from '../../domain/ballot/receipt.ts';
import { againAfterFencedOut, pollFence } from './poll-fence.ts';
import { voteTokenIssued } from './vote-token-issued.ts';

export interface BallotRequest {
  pollId: string;
  /** `u.<userId>`, `t.<sha256(token)>` or a keyed hash (anonymous / open polls); made by the caller. */
  voterKey: string;
  accountId?: string;
  /** Blind polls: the verified credential whose message hash is `voterKey`. */
  credential?: BallotCredential;
  answers: readonly AnswerInput[];
  meta?: BallotMetaInput;
  /** Client facts for velocity detection (src/commands/fraud); without them the ballot is not screened. */
  screening?: ScreeningFacts;
}

export interface BallotReceipt {
  ballotId: string;
  receipt: string;
  position: bigint;
}

/**
 * The hot path. A first ballot needs no read at all: it is decided against the empty ballot
 * state and the cached poll, and appended with `no_stream`, so the store itself refuses a second
 * ballot of the same voter. Only when that append loses does the full handler read the stream,
 * to answer with the domain's own error (or, for a repeated command id, the earlier result).
 * The answer is returned only once the event is durably appended and known to precede any close.
 */
export async function castBallot(deps: CommandDeps, request: BallotRequest, context: CommandContext, attempt = 1): Promise<BallotReceipt> {
  const stream = ballotStream(request.pollId, request.voterKey);
  const { state: poll, revision: pollRevision } = await deps.polls.current(request.pollId);
  const tokenIssued = await voteTokenIssued(deps, poll, request.voterKey);
  const { screening, ...ballot } = request;
  const now = deps.now();
  const command = {
    type: 'CastBallot' as const,
    data: {
      ...ballot, ballotId: mintId(context, 'ballotId', deps.newId), poll, now,
      ...(tokenIssued !== undefined ? { voteTokenIssued: tokenIssued } : {}),
    },
  };
  const events = ballotDecider.decide(command, ballotDecider.initialState());
  // Screened after the decision (an invalid ballot is not counted) and before the append: a
  // challenged prefix gets 428 with nothing written; a flag rides in the cast's own append. So the
  // count cannot wait for the store's verdict: a refused duplicate releases itself below.
  const { castContext, flags, release } = await screenCast(deps, { screening, poll, cast: events[0], now, context });
  const toStore = [...toAppend(events, castContext), ...flags];
  let stored: { ballotId: string; position: bigint; hash: string | undefined };
  // Fenced: accepted means before any close in the log, so the answer waits for nothing more.
  const fence = pollFence(deps, request.pollId, pollRevision);
  try {
    const appended = await deps.store.append(stream, toStore, 'no_stream', fence ? { fence } : undefined);
    stored = { ballotId: command.data.ballotId, position: appended.position, hash: appended.hash };
    if (fence) return { ballotId: stored.ballotId, receipt: ballotReceipt(stored), position: stored.position };
  } catch (error) {
    if (error instanceof FencedOutError) {
      await release(); // nothing was written: out of the velocity count until decided again
      return againAfterFencedOut(deps, request.pollId, attempt, (next) => castBallot(deps, request, context, next));
    }
    if (!(error instanceof WrongExpectedRevisionError)) throw asKeyReuse(error, context);
    // Throws already-cast, unless this is a retry of the very command that wrote the ballot.
    const repeated = await handleCommand(deps.store, ballotDecider, stream, command, context).catch(async (refusal: unknown) => {
      // Only a sure duplicate is taken back out of the velocity count; on any other failure the
      // outcome is unknown and the count stays (one voter too many for a window at worst).
      if (refusal instanceof ConflictError && refusal.code === BALLOT_CODES.alreadyCast) await release();
      throw refusal;
    });
    const cast = repeated.events[0];
    if (cast?.type !== 'BallotCast' || !repeated.appended) throw error;
    stored = { ballotId: cast.data.ballotId, position: repeated.appended.position, hash: repeated.appended.hash };
  }
  await deps.polls.assertOpenAt(request.pollId, stored.position, () => pollNotActive(request.pollId));
  return { ballotId: stored.ballotId, receipt: ballotReceipt(stored), position: stored.position };
}
