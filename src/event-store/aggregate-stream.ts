import type { Decider } from '../domain/shared/decider.ts';
import type { EventStore, RecordedEvent } from './port.ts';

type AnyEvent = { type: string; data: object };

export interface AggregatedStream<State> {
  state: State;
  /** The events as stored, for callers that need their metadata (the handler's repeat check). */
  events: RecordedEvent[];
  /** The last revision read, or undefined when the stream does not exist yet. */
  revision: bigint | undefined;
}

export function toDomainEvent<Ev extends AnyEvent>(recorded: RecordedEvent): Ev {
  return { type: recorded.type, data: recorded.data } as Ev;
}

export async function aggregateStream<C, Ev extends AnyEvent, S>(
  store: EventStore,
  decider: Decider<C, Ev, S>,
  stream: string,
): Promise<AggregatedStream<S>> {
  const events = await store.readStream(stream);
  const state = events.reduce((s, e) => decider.evolve(s, toDomainEvent<Ev>(e)), decider.initialState());
  return { state, events, revision: events.at(-1)?.revision };
}
