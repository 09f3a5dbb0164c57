import type { AnswerInput } from '../../domain/ballot/answers.ts';
import type { BallotMetaInput } from '../../domain/ballot/commands.ts';
import { ballotDecider } from '../../domain/ballot/decider.ts';
import { isTokenIssued } from '../../domain/poll/accepting.ts';
import { pollNotActive } from '../../domain/poll/errors.ts';
import { ballotStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { WrongExpectedRevisionError } from '../event-store/errors.ts';
import { handleCommand, mintId, toAppend, type CommandContext } from '../handle-command.ts';
import { receiptFor } from './receipt.ts';

export interface BallotRequest {
  pollId: string;
  /** `u.<userId>`, `t.<sha256(token)>` or a keyed hash (anonymous / open polls); made by the caller. */
  voterKey: string;
  accountId?: string;
  answers: readonly AnswerInput[];
  meta?: BallotMetaInput;
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
export async function castBallot(deps: CommandDeps, request: BallotRequest, context: CommandContext): Promise<BallotReceipt> {
  const stream = ballotStream(request.pollId, request.voterKey);
  let poll = await deps.polls.get(request.pollId);
  // A token issued through another process may not have reached this cache yet.
  if (request.voterKey.startsWith('t.') && !isTokenIssued(poll, request.voterKey.slice(2))) {
    poll = await deps.polls.refresh(request.pollId);
  }
  const command = {
    type: 'CastBallot' as const,
    data: { ...request, ballotId: mintId(context, 'ballotId', deps.newId), poll, now: deps.now() },
  };
  const events = ballotDecider.decide(command, ballotDecider.initialState());
  const toStore = toAppend(events, context);
  let stored = { ballotId: command.data.ballotId, eventId: toStore[0]!.id, position: 0n };
  try {
    stored.position = (await deps.store.append(stream, toStore, 'no_stream')).position;
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    // Throws already-cast, unless this is a retry of the very command that wrote the ballot.
    const repeated = await handleCommand(deps.store, ballotDecider, stream, command, context);
    const cast = repeated.events[0];
    if (cast?.type !== 'BallotCast' || !repeated.appended) throw error;
    stored = { ballotId: cast.data.ballotId, eventId: repeated.eventIds[0]!, position: repeated.appended.position };
  }
  await deps.polls.assertOpenAt(request.pollId, stored.position, () => pollNotActive(request.pollId));
  return { ballotId: stored.ballotId, receipt: receiptFor(stored.eventId), position: stored.position };
}
