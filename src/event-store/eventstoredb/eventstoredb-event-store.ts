/**
 * The EventStoreDB (KurrentDB) adapter of the event store port. KurrentDB already gives us
 * what the Postgres adapter has to build: optimistic concurrency per stream, idempotent appends
 * by event id, and a `$all` log in commit order without holes.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllHeadsResult,
  ReadAllOptions,
  ReadAllResult,
  RecordedEvent,
  SubscribeOptions,
} from '../port.ts';
import { matchesPrefixes } from '../port.ts';
import { type EventSchemas, POLLSTER_SCHEMAS } from '../schema-versions.ts';
import { BatchReader } from './batches.ts';
import { translate } from './translate-error.ts';
import { validateAppend } from './validate-append.ts';
import { startOf, withHashes } from './integrity.ts';
import { WrongExpectedRevisionError } from '../errors.ts';
import { ValidationError } from '../../domain/shared/errors.ts';
import {
  UNKNOWN_POSITION,
  allFilter,
  inCategories,
  toClientPosition,
  toEventData,
  toRecordedEvent,
  toStreamState,
} from './mapping.ts';

const DEFAULT_BATCH_SIZE = 100;
const MAX_POSITION = 2n ** 63n;

/** `url` is a KurrentDB connection string, e.g. `kurrentdb://localhost:2113?tls=false`. */
export function connectEventStoreDb(url: string, schemas?: EventSchemas): EventStoreDbEventStore {
  return new EventStoreDbEventStore(KurrentDBClient.connectionString(url), schemas);
}

export class EventStoreDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  /** Event versions every read upcasts to (schema-versions.ts); the stored form stays in `stored`. */
  readonly #schemas: EventSchemas;

  constructor(client: KurrentDBClient, schemas: EventSchemas = POLLSTER_SCHEMAS) {
    this.#client = client;
    this.#schemas = schemas;
  }

  /** KurrentDB has no multi-stream condition: callers of a fenced append wait on the log instead. */
  readonly fences = false;

  async append(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    if (options?.fence) throw new ValidationError('event-store.fences-unsupported', 'this event store takes no fenced appends');
    validateAppend(stream, events);
    // The chain (integrity.ts, untested here) needs the head first; 'any' retries a lost race.
    for (let attempt = 1; ; attempt++) {
      const [head] = await this.#readHead(stream);
      const start = startOf(expected, head);
      if (start === 'conflict') {
        // Let the server decide: a repeat of events already stored is idempotent (the earlier
        // result, whose hash is read back), anything else its WrongExpectedVersion.
        const repeated = await this.#appendExact(stream, events, expected, expected);
        const [stored] = await this.readStream(stream, { fromRevision: repeated.nextExpectedRevision, maxCount: 1 });
        return { ...repeated, ...(stored?.hash ? { hash: stored.hash } : {}) };
      }
      const chained = withHashes(stream, events, start);
      try {
        return { ...(await this.#appendExact(stream, chained.events, head === undefined ? 'no_stream' : head.revision, expected)), ...(chained.last ? { hash: chained.last } : {}) };
      } catch (error) {
        const retry = (expected === 'any' || expected === 'stream_exists') && error instanceof WrongExpectedRevisionError && attempt < 10;
        if (!retry) throw error;
      }
    }
  }

  async #readHead(stream: string): Promise<[{ revision: bigint; hash: string | undefined }] | []> {
    try {
      for await (const resolved of this.#client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const event = toRecordedEvent(resolved);
        if (event) return [{ revision: event.revision, hash: event.hash }];
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translate(error, stream);
    }
    return [];
  }

  async #appendExact(
    stream: string,
    events: readonly EventToAppend[],
    state: ExpectedRevision,
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    let result;
    try {
      // Idempotency is the server's: re-sending the same event ids at the same place succeeds
      // again with the original revision instead of writing duplicates.
      result = await this.#client.appendToStream(stream, events.map(toEventData), {
        streamState: toStreamState(state),
      });
    } catch (error) {
      throw translate(error, stream, expected, events);
    }
    const commit = result.position?.commit;
    // Idempotent re-appends may come back without a (real) position; the stored event has one.
    const position =
      commit !== undefined && commit >= 0n && commit < MAX_POSITION
        ? commit
        : await this.#positionOf(stream, result.nextExpectedRevision);
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(stream: string, options: { fromRevision?: bigint; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    if (options.maxCount !== undefined && options.maxCount <= 0) return events;
    try {
      const read = this.#client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: options.fromRevision ?? START,
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(this.#schemas.upcast(event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translate(error, stream);
    }
    return events;
  }

  async readAll(options: ReadAllOptions): Promise<ReadAllResult> {
    const { from, limit, categories, streamPrefixes } = options;
    let next = from;
    const events: RecordedEvent[] = [];
    if (limit <= 0) return { events, next };
    try {
      // A read from a position includes the event at that position, which the caller already
      // has: ask for one more and drop it.
      const read = this.#client.readAll({
        direction: FORWARDS,
        fromPosition: from > 0n ? toClientPosition(from) : START,
        maxCount: limit + 1,
        filter: allFilter(categories, undefined, streamPrefixes),
      });
      for await (const resolved of read) {
        const position = resolved.event?.position?.commit ?? resolved.commitPosition;
        if (position === undefined || position <= from) continue;
        if (events.length === limit) break;
        // Advance past events we drop too, so a caller is never stuck re-reading them.
        next = position;
        const event = accept(resolved, categories, streamPrefixes);
        if (event) events.push(this.#schemas.upcast(event));
      }
    } catch (error) {
      throw translate(error, '$all');
    }
    return { events, next };
  }

  // KurrentDB sends each event whole; the heads are cut from the page (no saving on the wire).
  async readAllHeads(options: ReadAllOptions): Promise<ReadAllHeadsResult> {
    const { events, next } = await this.readAll(options);
    return { events: events.map(({ stream, revision, position, type, recordedAt, hash }) => ({ stream, revision, position, type, recordedAt, ...(hash === undefined ? {} : { hash }) })), next };
  }

  async headPosition(): Promise<bigint> {
    try {
      // The newest non-system event: KurrentDB writes its own events ($epoch, $stats, ...) into
      // $all too, and a head among those is one no reader of ours could ever reach.
      const read = this.#client.readAll({
        direction: BACKWARDS,
        fromPosition: END,
        maxCount: 1,
        filter: allFilter(undefined),
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) return event.position;
      }
    } catch (error) {
      throw translate(error, '$all');
    }
    return 0n;
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncGenerator<RecordedEvent[]> {
    const { from, categories, streamPrefixes, signal, onProgress } = options;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (signal?.aborted) return;
    // Server checkpoints (sent while a filter skips other categories) and "caught up" are how
    // a consumer learns the log was read past events it never receives.
    const mark = (commit: bigint) => reader.mark(commit);
    // A subscription from a position starts after it, so `from` is exactly our checkpoint.
    const subscription = this.#client.subscribeToAll(
      { fromPosition: from > 0n ? toClientPosition(from) : START, filter: allFilter(categories, mark, streamPrefixes) },
      { highWaterMark: batchSize },
    );
    const reader = new BatchReader<AllStreamResolvedEvent>(subscription);
    subscription.on('caughtUp', (info) => info.position && mark(info.position.commit));
    let reported = from;
    try {
      for await (const { items, through } of reader.batches(batchSize, signal)) {
        const batch: RecordedEvent[] = [];
        let last = through ?? reported;
        for (const resolved of items) {
          const position = resolved.event?.position?.commit ?? resolved.commitPosition;
          if (position !== undefined && position > last) last = position;
          // Belt and braces: never hand out the checkpoint's own event again, nor system events.
          const event = accept(resolved, categories, streamPrefixes);
          if (event && event.position > from) batch.push(this.#schemas.upcast(event));
        }
        if (batch.length > 0) yield batch;
        // Only now, with the batch handled, is everything through `last` really seen.
        if (last > reported) {
          reported = last;
          onProgress?.(last);
        }
      }
    } catch (error) {
      throw translate(error, '$all');
    } finally {
      // Cancelling a subscription that never connected fails too; that must not hide why.
      await subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    }
  }

  async close(): Promise<void> {
    await this.#client.dispose();
  }

  async #positionOf(stream: string, revision: bigint): Promise<bigint> {
    if (revision < 0n) return UNKNOWN_POSITION; // cannot happen after a non-empty append; be safe
    const [event] = await this.readStream(stream, { fromRevision: revision, maxCount: 1 });
    return event?.position ?? UNKNOWN_POSITION;
  }
}

function accept(
  resolved: AllStreamResolvedEvent,
  categories: readonly string[] | undefined,
  streamPrefixes?: readonly string[],
): RecordedEvent | undefined {
  const event = toRecordedEvent(resolved);
  return event && inCategories(event.stream, categories) && matchesPrefixes(event.stream, streamPrefixes) ? event : undefined;
}
