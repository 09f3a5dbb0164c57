import type { EventHead, EventStore, RecordedEvent } from '../event-store/port.ts';
import { auditStream, ballotStream, pollStream } from '../domain/shared/streams.ts';
import { HANDOVER_STREAM } from './key-handover.ts';
import { readPollEvents } from '../projections/shared/read-poll-events.ts';

export interface PollLog {
  /** `poll-<id>` and every `ballot-<id>-*`, in log order. */
  events: RecordedEvent[];
  /** `audit-<id>`: the signed checkpoints, in revision order. */
  checkpoints: RecordedEvent[];
  /** The signing key's hand-overs (`auditkey-handovers`), as stored, in log order. */
  handovers: RecordedEvent[];
}

/**
 * Checkpoints first: a checkpoint signed while the events are read covers no event this read
 * misses, since each covers only positions the log was already complete through.
 */
export async function readPollLog(store: EventStore, pollId: string): Promise<PollLog> {
  const handovers = await store.readStream(HANDOVER_STREAM);
  const checkpoints = await store.readStream(auditStream(pollId));
  const events = await readPollEvents(store, pollId);
  return { events, checkpoints, handovers };
}

/**
 * The heads of the events of `poll-<id>` and every `ballot-<id>-*` (the streams a checkpoint's tree
 * covers) after `from` and at or below `through`, in log order, a page of the log at a time.
 */
export async function* pollHeadPages(store: EventStore, pollId: string, from: bigint, through: bigint): AsyncGenerator<EventHead[]> {
  const own = pollStream(pollId);
  const ballots = ballotStream(pollId, '');
  for (;;) {
    const page = await store.readAllHeads({ from, limit: HEADS_PAGE, streamPrefixes: [own, ballots] });
    const within = page.events.filter((e) => e.position <= through && (e.stream === own || e.stream.startsWith(ballots)));
    if (within.length > 0) yield within;
    if (page.events.length < HEADS_PAGE || page.events.at(-1)!.position >= through) return;
    from = page.next;
  }
}
const HEADS_PAGE = 1000;

/** The whole log of a poll in log order (events and checkpoints together), as an export holds it. */
export const inLogOrder = (log: PollLog): RecordedEvent[] =>
  [...log.events, ...log.checkpoints, ...log.handovers].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
