import type { EventHead, EventMetadata, RecordedEvent } from '../port.ts';

/**
 * One row of `events` as the reads select it (EVENT_COLUMNS): int8 comes back as a string, jsonb
 * parsed, the time as epoch milliseconds and the hash as hex.
 */
export interface EventRow {
  position: string;
  id: string;
  stream: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  /** Epoch milliseconds (int8 as a string). */
  recorded_at: string;
  /** Hex; null only for rows written around the append path. */
  hash: string | null;
  digest_format: number;
}

/**
 * What every read selects, in the shape of `EventRow`. The time and the hash leave PostgreSQL in
 * the form the RecordedEvent holds: node-postgres would otherwise parse a timestamptz text and a
 * bytea hex text for each row only to have them converted again (a projection rebuild reads
 * millions of rows, and those two parses were a tenth of its Node time).
 */
export const EVENT_COLUMNS =
  "position, id, stream, revision, type, data, metadata, floor(extract(epoch FROM recorded_at) * 1000)::int8 AS recorded_at, encode(hash, 'hex') AS hash, digest_format";
/** The stored columns EVENT_COLUMNS is computed from, for subqueries that EVENT_COLUMNS then reads. */
export const STORED_COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at, hash, digest_format';

/** What a heads page selects (HEAD_COLUMNS): the row without its content. */
export type HeadRow = Pick<EventRow, 'position' | 'stream' | 'revision' | 'type' | 'recorded_at' | 'hash'>;
export const HEAD_COLUMNS = "position, stream, revision, type, floor(extract(epoch FROM recorded_at) * 1000)::int8 AS recorded_at, encode(hash, 'hex') AS hash";

export function toEventHead(row: HeadRow): EventHead {
  const head: EventHead = { stream: row.stream, revision: BigInt(row.revision), position: BigInt(row.position), type: row.type, recordedAt: new Date(Number(row.recorded_at)) };
  if (row.hash !== null) head.hash = row.hash;
  return head;
}

/** int8 stays exact: BigInt from the string, never through a JS number. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  const event: RecordedEvent = {
    id: row.id,
    stream: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: new Date(Number(row.recorded_at)),
  };
  // Assigned rather than spread in: a rebuild turns millions of rows into events, and each
  // spread allocated an object only to copy it.
  if (row.hash !== null) event.hash = row.hash;
  if (row.digest_format === 0) event.digestFormat = 0;
  return event;
}
