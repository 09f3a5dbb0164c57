import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { auditStream } from '../domain/shared/streams.ts';
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

/** The whole log of a poll in log order (events and checkpoints together), as an export holds it. */
export const inLogOrder = (log: PollLog): RecordedEvent[] =>
  [...log.events, ...log.checkpoints, ...log.handovers].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
