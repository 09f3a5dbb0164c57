import type { EventMetadata, RecordedEvent } from '../port.ts';

/** One row of `events` as node-postgres returns it: int8 comes back as a string, jsonb parsed. */
export interface EventRow {
  position: string;
  id: string;
  stream: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
  /** Null only for rows written around the append path. */
  hash: Buffer | null;
  digest_format: number;
}

/** The columns every read selects, in the shape of `EventRow`. */
export const EVENT_COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at, hash, digest_format';

/** int8 stays exact: BigInt from the string, never through a JS number. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    ...(row.hash === null ? {} : { hash: row.hash.toString('hex') }),
    ...(row.digest_format === 0 ? { digestFormat: 0 as const } : {}),
  };
}
