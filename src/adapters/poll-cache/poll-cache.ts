import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { evolve } from '../../domain/poll/evolve.ts';
import type { PollEvent } from '../../domain/poll/events.ts';
import { initialPollState, type ExistingPollState, type PollState } from '../../domain/poll/state.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import type { IssuedTokensSink } from '../vote-tokens/tokens-in-memory.ts';
import { CategoryTail } from './category-tail.ts';

/** Polls kept; a poll past it is re-read from its stream when next used. */
const DEFAULT_MAX_POLLS = 10_000;

/** `pollster:close-gate`: `{ ms }` each `assertOpenAt` waited, published only while someone listens (bench/ingest.ts). */
const gateTimings = diagnostics.channel('pollster:close-gate');

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
 *
 * At most `maxPolls` polls are kept (least recently used go first). An evicted poll is simply not
 * known: the next use re-reads its stream, and `closedBefore` does too, so eviction can cost a read
 * but never makes a closed poll look open. The tail applies only events that follow on from what
 * an entry holds; a gap (events it skipped while the poll was not cached) drops the entry.
 *
 * `tokens` hears the VoteTokensIssued events of the polls held, as they are folded in, and of
 * each poll that leaves: the hashes of a held poll's tokens cost no extra read.
 */
export class PollCache {
  readonly #store: EventStore;
  readonly #entries: LRUCache<string, Entry>;
  readonly #tail: CategoryTail;
  readonly #catchUpTimeoutMs: number;
  readonly #tokens: IssuedTokensSink | undefined;
  /** Where the tail stood when a wait for it last timed out: until it moves, nobody waits again. */
  #stalledAt: bigint | undefined;

  constructor(store: EventStore, options: { catchUpTimeoutMs?: number; maxPolls?: number; tokens?: IssuedTokensSink } = {}) {
    this.#store = store;
    this.#tokens = options.tokens;
    // A poll evicted or dropped takes its hashes along. Not one replaced by a concurrent load of it
    // ('set'): it is still held, and the hashes (of its own stream, never withdrawn) stay true.
    const dispose = (_: Entry, pollId: string, reason: LRUCache.DisposeReason) => {
      if (reason !== 'set') this.#tokens?.forget(pollId);
    };
    this.#entries = new LRUCache({ max: options.maxPolls ?? DEFAULT_MAX_POLLS, ...(this.#tokens ? { dispose } : {}) });
    this.#catchUpTimeoutMs = options.catchUpTimeoutMs ?? 2_000;
    this.#tail = new CategoryTail(store, ['poll'], (events) => {
      for (const event of events) {
        const pollId = event.stream.slice('poll-'.length);
        const entry = this.#entries.peek(pollId);
        if (!entry || event.revision <= entry.revision) continue;
        if (event.revision === entry.revision + 1n) this.#apply(pollId, entry, [event]);
        else this.#entries.delete(pollId);
      }
    });
  }

  async start(): Promise<void> {
    this.#tail.start(await this.#store.headPosition());
  }

  async stop(): Promise<void> {
    await this.#tail.stop();
  }

  async get(pollId: string): Promise<PollState> {
    const cached = this.#entries.get(pollId);
    if (cached) return cached.state;
    return this.refresh(pollId);
  }

  /**
   * The cached state with the stream revision it folds: what a ballot decides on and is fenced
   * on (a ballot appended with this revision as its fence is refused if the poll moved on).
   */
  async current(pollId: string): Promise<{ state: PollState; revision: bigint }> {
    const cached = this.#entries.get(pollId);
    if (cached) return { state: cached.state, revision: cached.revision };
    const entry = await this.#load(pollId);
    return { state: entry.state, revision: entry.revision };
  }

  /** Re-reads the poll stream (e.g. a vote token this process has not seen issued yet). */
  async refresh(pollId: string): Promise<PollState> {
    return (await this.#load(pollId)).state;
  }

  async #load(pollId: string): Promise<Entry> {
    const entry = this.#entries.get(pollId) ?? { state: initialPollState(), revision: -1n, closedAt: undefined };
    const tailBefore = this.#tail.through;
    this.#apply(pollId, entry, await this.#readAfter(pollId, entry.revision));
    if (entry.state.status === 'none') {
      this.#tokens?.forget(pollId); // unknown polls are not cached
      return entry;
    }
    this.#entries.set(pollId, entry);
    // What the tail read while the stream was being read went past an entry not yet cached:
    // read once more, now that the tail delivers to it.
    if (this.#tail.through > tailBefore) this.#apply(pollId, entry, await this.#readAfter(pollId, entry.revision));
    return entry;
  }

  #readAfter(pollId: string, revision: bigint): Promise<readonly RecordedEvent[]> {
    return this.#store.readStream(pollStream(pollId), { fromRevision: revision + 1n });
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

  async assertOpenAt(pollId: string, position: bigint, notActive: () => Error): Promise<void> {
    const started = gateTimings.hasSubscribers ? performance.now() : 0;
    const closedAt = await this.closedBefore(pollId, position);
    if (gateTimings.hasSubscribers) gateTimings.publish({ ms: performance.now() - started });
    if (closedAt !== undefined) throw notActive();
  }

  /**
   * The position of the poll's PollClosed if it precedes `position` in the log, else undefined,
   * judged once the log has been read through `position` (a poll loaded with `get` first).
   */
  async closedBefore(pollId: string, position: bigint): Promise<bigint | undefined> {
    const through = this.#tail.through;
    let reread: Entry | undefined;
    if (through < position) {
      // The tail can be stuck behind a transaction that does not end (on postgres, any open
      // transaction in the cluster holds the horizon back). Rather than hang every ballot, read
      // the poll stream directly: it misses only a close still being committed at this instant.
      // One ballot finds that out by waiting the timeout; the rest of the stall costs no wait.
      const stalled = this.#stalledAt !== undefined && through <= this.#stalledAt;
      const caughtUp = !stalled && (await this.#tail.waitFor(position, this.#catchUpTimeoutMs));
      if (!caughtUp) {
        if (!stalled) this.#stalledAt = this.#tail.through;
        reread = await this.#load(pollId);
      }
    }
    // An evicted poll is re-read from the log, never taken for open.
    const { closedAt } = reread ?? this.#entries.get(pollId) ?? (await this.#load(pollId));
    return closedAt !== undefined && closedAt < position ? closedAt : undefined;
  }

  /** `events` come from the stream of `pollId` (read from it, or picked from the tail by stream). */
  #apply(pollId: string, entry: Entry, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.revision <= entry.revision) continue;
      const folded = { type: event.type, data: event.data } as PollEvent;
      entry.state = evolve(entry.state, folded);
      entry.revision = event.revision;
      if (folded.type === 'PollClosed') entry.closedAt = event.position;
      if (folded.type === 'VoteTokensIssued' && Array.isArray(folded.data.tokenHashes)) this.#tokens?.issued(pollId, folded.data.tokenHashes);
    }
  }
}
