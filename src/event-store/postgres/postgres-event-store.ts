import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { AppendOptions, AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllHeadsResult, ReadAllOptions, ReadAllResult, RecordedEvent, SubscribeOptions } from '../port.ts';
import { UnavailableError, ValidationError } from '../../domain/shared/errors.ts';
import { categoryOf } from '../port.ts';
import { writeBatch } from './append-batch.ts';
import { type ClosablePool, createPool } from './pool.ts';
import { CommitSignal } from './commit-signal.ts';
import { GroupCommitter } from './group-commit.ts';
import { pendingAppend, prepareEvents } from './pending-append.ts';
import { headPosition, readAll, readAllHeads, readStream, subscribeToAll } from './read.ts';
import { SharedPages } from './shared-pages.ts';
import { type EventSchemas, POLLSTER_SCHEMAS } from '../schema-versions.ts';

/**
 * The default event store: the `events` table of migrations/001_events.sql.
 *
 * Raw node-postgres here rather than slonik (used elsewhere): this is the hot path, and it needs
 * array binds into `unnest`, named prepared statements and batches of many appends in one
 * transaction on a connection we hold ourselves.
 */
export interface PostgresEventStoreOptions {
  connectionString: string;
  /**
   * Batches written in parallel, each on its own connection (default 1: on a 2-core box with
   * PostgreSQL beside it, one batch in flight makes batches twice as large and the full ingest
   * bench's CPU per ballot 6-11% lower than two, at the same appends/s in bench/append.ts).
   */
  flushers?: number;
  /** Appends per group-commit batch (default 500). */
  maxBatchSize?: number;
  /** After a commit that left a few appends queued, wait this long for more before the next batch (default 0; group-commit.ts). */
  gatherMs?: number;
  /** Events per batch (default 10 000). */
  maxBatchEvents?: number;
  /** Tries of an expected-'any' append that keeps losing races to other processes (default 6, as EVENT_STORE_READ_POOL_SIZE). */
  maxAttempts?: number;
  /** Connections for reads and subscriptions, apart from the flushers' (default 6, as EVENT_STORE_READ_POOL_SIZE). */
  readPoolSize?: number;
  /** How often a subscription polls for other processes' commits (default 50 ms). */
  pollIntervalMs?: number;
  /** For a loop of its own: while pages come back short, the least time between two reads' starts; without it, a 10 ms pause after each batch (read.ts). */
  settleMs?: number;
  /** Longest wait of an append for a lock on the events table (default 2 s); then 503 `event-store.timeout`. */
  appendLockTimeoutMs?: number;
  /** Longest run of one append statement (default 5 s); then 503 `event-store.timeout`. */
  appendStatementTimeoutMs?: number;
  /** Event versions every read upcasts to (default: Pollster's, src/domain/event-versions.ts). */
  schemas?: EventSchemas;
  /**
   * Categories whose streams can be fences (port.ts, AppendOptions; default `poll`): every append
   * to one of them takes the fence's lock (migrations/022_append_fences.sql). Every process
   * writing the log must use the same list.
   */
  fenceCategories?: readonly string[];
}

// A read or a batch that waited this long for a free connection fails, naming the pool and its
// setting, rather than hanging a request or a subscription for good.
const POOL_WAIT_MS = 15_000;

/**
 * `pollster:append` (node:diagnostics_channel): `{ ms }` per append, from submit to commit (the
 * group-commit wait included), published only while someone listens (bench/ingest.ts does).
 */
const appendTimings = diagnostics.channel('pollster:append');
const timed = (committed: Promise<AppendResult>): Promise<AppendResult> => {
  const started = performance.now();
  return committed.finally(() => appendTimings.publish({ ms: performance.now() - started }));
};

export class PostgresEventStore implements EventStore {
  readonly #writes: ClosablePool;
  readonly #reads: ClosablePool;
  readonly #committer: GroupCommitter;
  readonly #commits = new CommitSignal();
  readonly #sharedPages = new SharedPages();
  readonly #closed = new AbortController();
  readonly #pollIntervalMs: number;
  readonly #settleMs: number | undefined;
  readonly #schemas: EventSchemas;
  readonly #fenceCategories: ReadonlySet<string>;

  constructor(options: PostgresEventStoreOptions) {
    const flushers = options.flushers ?? 1;
    // Separate pools: a burst of reads must never make the flushers wait for a connection.
    // Generic plans for the batch statements: under the default plan_cache_mode, Postgres picked a
    // plan for the lookup that made it 3x slower as the table grew (bench/append.ts); every statement
    // here is an index probe per array element, for which the generic plan is always the right one.
    // Not pg's pipeline mode: in pg 8.23 a query sent while an earlier one is failing takes that
    // one's ReadyForQuery as its own answer, and every later answer shifts by one.
    this.#writes = createPool(
      {
        connectionString: options.connectionString,
        max: flushers,
        application_name: 'pollster-append',
        connectionTimeoutMillis: POOL_WAIT_MS,
        // In the startup packet: bounds without a statement more per connection or per batch.
        options: `-c lock_timeout=${options.appendLockTimeoutMs ?? 2_000} -c statement_timeout=${options.appendStatementTimeoutMs ?? 5_000}`,
      },
      { setup: 'SET plan_cache_mode = force_generic_plan', label: { name: 'append flushers', setting: 'APPEND_FLUSHERS', size: flushers, waitMs: POOL_WAIT_MS } },
    );
    const readPoolSize = options.readPoolSize ?? 6;
    this.#reads = createPool(
      { connectionString: options.connectionString, max: readPoolSize, application_name: 'pollster-read', connectionTimeoutMillis: POOL_WAIT_MS },
      { label: { name: 'event store read pool', setting: 'EVENT_STORE_READ_POOL_SIZE', size: readPoolSize, waitMs: POOL_WAIT_MS } },
    );
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#settleMs = options.settleMs;
    this.#schemas = options.schemas ?? POLLSTER_SCHEMAS;
    this.#fenceCategories = new Set(options.fenceCategories ?? ['poll']);
    const maxAttempts = options.maxAttempts ?? 10;
    this.#committer = new GroupCommitter(
      (batch) => writeBatch(this.#writes.pool, batch, maxAttempts),
      { flushers, maxBatchSize: options.maxBatchSize ?? 500, maxBatchEvents: options.maxBatchEvents ?? 10_000, maxAttempts, gatherMs: options.gatherMs ?? 0 },
      () => this.#commits.notify(),
    );
  }

  readonly fences = true;

  append(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    if (this.#closed.signal.aborted) return Promise.reject(new UnavailableError('event-store.closed', 'event store is closed'));
    let prepared;
    const fence = options?.fence;
    try {
      prepared = prepareEvents(stream, events);
      if (fence && !this.#fenceCategories.has(categoryOf(fence.stream))) {
        throw new ValidationError('event-store.not-a-fence', `stream ${fence.stream} cannot be a fence: its category is not among the store's fence categories`);
      }
      // The types go to PostgreSQL joined by commas (append-batch.ts).
      if (fence?.ignoring?.some((type) => type === '' || type.includes(','))) {
        throw new ValidationError('event-store.invalid-fence', `a fence ignores event types by name: ${fence.ignoring.join(' | ')}`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const fencing = { fence, fenceStream: this.#fenceCategories.has(categoryOf(stream)) };
    const committed = new Promise<AppendResult>((resolve, reject) => this.#committer.submit(pendingAppend(stream, prepared, expected, resolve, reject, fencing)));
    return appendTimings.hasSubscribers ? timed(committed) : committed;
  }

  // Upcast here, once, for every reader: subscriptions read through readAll.
  async readStream(stream: string, options?: { fromRevision?: bigint; maxCount?: number }): Promise<RecordedEvent[]> {
    return upcastAll(await readStream(this.#reads.pool, stream, options), this.#schemas);
  }

  async readAll(options: { from: bigint; limit: number; categories?: readonly string[] }): Promise<ReadAllResult> {
    const page = await readAll(this.#reads.pool, options);
    return { events: upcastAll(page.events, this.#schemas), next: page.next };
  }

  // Heads carry no content, so nothing to upcast: the type is the one stored.
  readAllHeads(options: ReadAllOptions): Promise<ReadAllHeadsResult> {
    return readAllHeads(this.#reads.pool, options);
  }

  headPosition(): Promise<bigint> {
    return headPosition(this.#reads.pool);
  }

  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
    const pages = this.#sharedPages;
    const reader = pages.join(options, options.from);
    const batches = subscribeToAll(
      { read: (o) => pages.read(o, (q) => this.readAll(q), reader), commits: this.#commits, pollIntervalMs: this.#pollIntervalMs, ...(this.#settleMs !== undefined ? { settleMs: this.#settleMs } : {}), closed: this.#closed.signal },
      options,
    );
    return (async function* () {
      try {
        yield* batches;
      } finally {
        pages.leave(reader);
      }
    })();
  }

  /**
   * Subscriptions read the log now rather than at their next poll, for commits made elsewhere:
   * someone waits for them (`pollster start`'s worker thread, src/runtime/worker-thread-entry.ts).
   */
  readNow(): void {
    this.#commits.notify();
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    await this.#committer.drain();
    await Promise.all([this.#writes.end(), this.#reads.end()]);
  }
}

/** In place: a page is ours alone until returned, and most events come back as they were. */
function upcastAll(events: RecordedEvent[], schemas: EventSchemas): RecordedEvent[] {
  for (let i = 0; i < events.length; i++) events[i] = schemas.upcast(events[i]!);
  return events;
}
