import { evolve } from '../../domain/poll/evolve.ts';
import type { PollEvent } from '../../domain/poll/events.ts';
import { initialPollState, type ExistingPollState, type PollState } from '../../domain/poll/state.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { CategoryTail } from './category-tail.ts';

interface Entry {
  state: PollState;
  /** Last revision of the poll stream folded in; events at or below it are skipped. */
  revision: bigint;
  /** `$all` position of PollClosed once known: ballots after it in the log do not count. */
  closedAt: bigint | undefined;
}

/**
 * Poll states for the vote path, so a ballot never reads the poll stream (a hot poll would make
 * that one stream the bottleneck). Entries load on first use and are kept current by tailing the
 * `poll` category of `$all`, and at once (via `refresh`) by this process's own poll commands.
 *
 * "No ballot after close" stays true across processes: after a ballot is appended at position b,
 * `assertOpenAt(pollId, b)` waits until the tail has read the log through b (every transaction
 * before b has finished) and then checks that no PollClosed precedes b. A ballot that lost that
 * race stays in the log, where the counting rule ignores it, and its caller gets poll-not-active.
 */
export class PollCache {
  readonly #store: EventStore;
  readonly #entries = new Map<string, Entry>();
  readonly #tail: CategoryTail;
  readonly #catchUpTimeoutMs: number;
  /** Where the tail stood when a wait for it last timed out: until it moves, nobody waits again. */
  #stalledAt: bigint | undefined;

  constructor(store: EventStore, options: { catchUpTimeoutMs?: number } = {}) {
    this.#store = store;
    this.#catchUpTimeoutMs = options.catchUpTimeoutMs ?? 2_000;
    this.#tail = new CategoryTail(store, ['poll'], (events) => {
      for (const event of events) {
        const entry = this.#entries.get(event.stream.slice('poll-'.length));
        if (entry) this.#apply(entry, [event]);
      }
    });
  }

  /** Starts tailing from the current head of the log. */
  async start(): Promise<void> {
    this.#tail.start(await this.#store.headPosition());
  }

  async stop(): Promise<void> {
    await this.#tail.stop();
  }

  /** The poll's state, loading it from its stream on first use. */
  async get(pollId: string): Promise<PollState> {
    const cached = this.#entries.get(pollId);
    if (cached) return cached.state;
    return this.refresh(pollId);
  }

  /** Re-reads the poll stream (e.g. a vote token this process has not seen issued yet). */
  async refresh(pollId: string): Promise<PollState> {
    const entry = this.#entries.get(pollId) ?? { state: initialPollState(), revision: -1n, closedAt: undefined };
    const events = await this.#store.readStream(pollStream(pollId), { fromRevision: entry.revision + 1n });
    if (events.length === 0 && entry.state.status === 'none') return entry.state; // unknown polls are not cached
    this.#entries.set(pollId, entry);
    this.#apply(entry, events);
    return entry.state;
  }

  /**
   * The poll's state and the stream revision it folds, read through to the stream's end now (only
   * the events after the cached revision): what a command decides on and appends after, with that
   * revision as the expected one, instead of reading the whole poll stream.
   */
  async latest(pollId: string): Promise<{ state: PollState; revision: bigint }> {
    const state = await this.refresh(pollId);
    return { state, revision: this.#entries.get(pollId)?.revision ?? -1n };
  }

  /** Throws `notActive()` if a PollClosed precedes `position` in the log. */
  async assertOpenAt(pollId: string, position: bigint, notActive: () => Error): Promise<void> {
    if ((await this.closedBefore(pollId, position)) !== undefined) throw notActive();
  }

  /**
   * The position of the poll's PollClosed if it precedes `position` in the log, else undefined,
   * judged once the log has been read through `position` (a poll loaded with `get` first).
   */
  async closedBefore(pollId: string, position: bigint): Promise<bigint | undefined> {
    const through = this.#tail.through;
    if (through < position) {
      // The tail can be stuck behind a transaction that does not end (on postgres, any open
      // transaction in the cluster holds the horizon back). Rather than hang every ballot, read
      // the poll stream directly: it misses only a close still being committed at this instant.
      // One ballot finds that out by waiting the timeout; the rest of the stall costs no wait.
      const stalled = this.#stalledAt !== undefined && through <= this.#stalledAt;
      const caughtUp = !stalled && (await this.#tail.waitFor(position, this.#catchUpTimeoutMs));
      if (!caughtUp) {
        if (!stalled) this.#stalledAt = this.#tail.through;
        await this.refresh(pollId);
      }
    }
    const closedAt = this.#entries.get(pollId)?.closedAt;
    return closedAt !== undefined && closedAt < position ? closedAt : undefined;
  }

  #apply(entry: Entry, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.revision <= entry.revision) continue;
      entry.state = evolve(entry.state, { type: event.type, data: event.data } as PollEvent);
      entry.revision = event.revision;
      if (event.type === 'PollClosed') entry.closedAt = event.position;
    }
  }
}
