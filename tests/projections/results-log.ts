import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../../src/event-store/port.ts';
import { ballotStream, pollStream } from '../../src/domain/shared/streams.ts';
import { type ResultsEvent, voterOf } from '../../src/testing/results-fixtures.ts';

/** Appends fixture events of the results specs to their streams (`poll-<id>`, `ballot-<id>-<voter>`). */
export async function appendAll(store: EventStore, events: readonly ResultsEvent[]): Promise<bigint> {
  let position = 0n;
  for (const event of events) {
    const data = event.data as { pollId: string; ballotId?: string };
    const stream = data.ballotId === undefined ? pollStream(data.pollId) : ballotStream(data.pollId, voterOf(data.ballotId));
    ({ position } = await store.append(stream, [{ id: randomUUID(), type: event.type, data: event.data }], 'any'));
  }
  return position;
}

/** A poll's recorded events as `tally` takes them. */
export const asLogged = (events: readonly RecordedEvent[]) => events.map(({ type, data, position }) => ({ type, data, position }));
