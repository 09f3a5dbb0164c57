/**
 * The event store port: the only way anything writes the log. Two adapters implement it
 * (postgres, the default, and eventstoredb) and one contract suite (tests/contract) runs against
 * each, so the rest of the code never knows which one it talks to.
 */

/** What the writer believes the stream's last revision is. Revisions start at 0n. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Who did it and why; stored with every event, never containing secrets. */
export interface EventMetadata {
  /** Ties every event caused by one request together. */
  correlationId?: string;
  /** The id of the command (or event) that caused this event. */
  causationId?: string;
  /** `user:<id>`, `system`, `anonymous`, ... */
  actor?: string;
  [key: string]: unknown;
}

export interface EventToAppend {
  /** UUID chosen by the writer; re-appending the same ids is idempotent. */
  id: string;
  type: string;
  data: unknown;
  metadata?: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  revision: bigint;
  /**
   * Position in `$all`: strictly increasing in the order every reader of `$all` sees events.
   * Safe to compare as bigint; fits a JS number for the foreseeable life of a database.
   */
  position: bigint;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: Date;
  /**
   * The integrity chain's hash of this event (hex; src/audit/README.md): SHA-256 over the previous
   * revision's hash, the revision and the digest of the content. Undefined where the store has none.
   */
  hash?: string;
  /** 0 for events backfilled by migration 010 (digest over jsonb text); absent or 1 otherwise. */
  digestFormat?: 0 | 1;
  /**
   * The event as the log stores it, present only when the read upcast it to its type's current
   * version (schema-versions.ts): `type`, `data` and `metadata` above are then the current form.
   * The integrity chain covers this form; audit tools hash and export it, never the upcast one.
   */
  stored?: StoredContent;
}

/** What an event's integrity digest covers besides its id and stream: its content as stored. */
export interface StoredContent {
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * `fence`: append only if `stream` is still at `revision` in log order: no event of it lies
 * between that revision and this append's position, whenever it commits, but events of the types
 * in `ignoring` (ones that cannot change what the append was decided on). Otherwise nothing is
 * written and the append fails with FencedOutError. The fence stream's category must be one the
 * store was told can be a fence (its writers then coordinate with fenced appends).
 */
export interface AppendOptions {
  fence?: Fence;
}

export interface Fence {
  stream: string;
  revision: bigint;
  /** Event types that may follow `revision` without breaking the fence (none by default). */
  ignoring?: readonly string[];
}

export interface AppendResult {
  /** Revision of the last event written (or found, for an idempotent re-append). */
  nextExpectedRevision: bigint;
  /** `$all` position of the last event written (or found). */
  position: bigint;
  /** Integrity-chain hash (hex) of the last event written (or found); receipts derive from it. */
  hash?: string;
}

export interface ReadAllResult {
  events: RecordedEvent[];
  /**
   * Pass as `from` to continue. When the page is not full this is the position through which the
   * log has been read completely, which may be past the last event returned (a filtered read
   * skipped other categories; a postgres read stops at the oldest transaction still running).
   */
  next: bigint;
}

/**
 * What a reader that follows positions, not content, needs of an event (`readAllHeads`): its
 * place in the log, its type as stored and its chain hash, without the data to fetch and parse.
 */
export type EventHead = Pick<RecordedEvent, 'stream' | 'revision' | 'position' | 'type' | 'recordedAt' | 'hash'>;

export interface ReadAllHeadsResult {
  events: EventHead[];
  /** As ReadAllResult.next. */
  next: bigint;
}

export interface ReadAllOptions {
  /** Events with position strictly greater than this; 0n = from the start. */
  from: bigint;
  limit: number;
  /** Stream categories (the part of the stream name before the first `-`); empty = all. */
  categories?: readonly string[];
  /**
   * Only streams whose name starts with one of these (case-sensitive, no wildcards), e.g.
   * `poll-<id>` and `ballot-<id>-` for one poll's events; empty = all. With `categories`, both apply.
   */
  streamPrefixes?: readonly string[];
}

export interface SubscribeOptions {
  /** Deliver events with position strictly greater than this (a checkpoint); 0n = from the start. */
  from: bigint;
  categories?: readonly string[];
  streamPrefixes?: readonly string[];
  /** Events per read; a slow consumer gets batches of at most this many. */
  batchSize?: number;
  signal?: AbortSignal;
  /**
   * Called after each read with the position through which the log has been read completely
   * (events of other categories included), even when the read found nothing to deliver. Lets a
   * consumer wait until "everything up to position p has been seen".
   */
  onProgress?: (through: bigint) => void;
}

export interface EventStore {
  /** Appends atomically or throws `WrongExpectedRevisionError` (or `FencedOutError`, see AppendOptions). */
  append(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult>;
  /** Whether `append` takes a fence; a store without them throws for one, and callers wait instead. */
  readonly fences: boolean;
  /** Events of one stream from `fromRevision` (inclusive), oldest first; [] when the stream does not exist. */
  readStream(stream: string, options?: { fromRevision?: bigint; maxCount?: number }): Promise<RecordedEvent[]>;
  /** Up to `limit` events of `$all` with position > `from`, in position order, with no holes. */
  readAll(options: ReadAllOptions): Promise<ReadAllResult>;
  /** The page readAll would return, as heads: an adapter that can leave the content behind does. */
  readAllHeads(options: ReadAllOptions): Promise<ReadAllHeadsResult>;
  /** Position of the last event of `$all` readable now (0n for an empty log). */
  headPosition(): Promise<bigint>;
  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  close(): Promise<void>;
}

/** Whether a stream passes a `streamPrefixes` filter (what every adapter must agree on). */
export function matchesPrefixes(stream: string, prefixes: readonly string[] | undefined): boolean {
  return !prefixes?.length || prefixes.some((prefix) => stream.startsWith(prefix));
}

export function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
}
