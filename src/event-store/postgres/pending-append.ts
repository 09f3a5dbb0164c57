import { digestOfCanonical } from '../integrity/chain.ts';
import { canonicalJsonOf } from '../integrity/canonical-json.ts';
import { ValidationError } from '../../domain/shared/errors.ts';
import type { AppendResult, EventToAppend, ExpectedRevision, Fence } from '../port.ts';
import { categoryOf } from '../port.ts';

/** An event ready for the batch INSERT: id normalised, payloads already JSON text. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
  /** SHA-256 of the content in canonical JSON; the INSERT links it into the stream's chain. */
  digest: Buffer;
}

export interface PendingAppend {
  stream: string;
  category: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  /** Times this append went back to the queue (expected 'any' losing a race, deadlock retry). */
  attempts: number;
  /** Written only if this stream is still at this revision in log order (port.ts, AppendOptions). */
  fence: Fence | undefined;
  /** The stream can be a fence: its batch takes the fence lock exclusively before writing. */
  fenceStream: boolean;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** What one batch decided for one append; 'retry' puts it back at the head of the queue. */
export type Outcome = { ok: AppendResult } | { error: Error } | 'retry';

/** Positions are (txid << 20) + ordinal, so one transaction holds fewer than 2^20 events. */
export const MAX_EVENTS_PER_APPEND = 2 ** 20 - 1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// jsonb cannot store U+0000; JSON.stringify writes it as \u0000 (an odd run of backslashes before u0000).
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;
// Nor an unpaired surrogate, which JSON.stringify writes as an escape (\ud800); paired ones it
// writes as they are, so any surrogate escape in its output is an unpaired one.
const SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;

/**
 * Everything that could make the database reject a row is checked here, before queueing: one bad
 * append must fail alone, not poison the batch of strangers it would have been committed with.
 */
export function prepareEvents(stream: string, events: readonly EventToAppend[]): PreparedEvent[] {
  if (stream.length === 0) throw new ValidationError('event-store.empty-stream', 'stream name is empty');
  if (events.length === 0) throw new ValidationError('event-store.empty-append', `stream ${stream}: nothing to append`);
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new ValidationError('event-store.append-too-large', `stream ${stream}: ${events.length} events in one append`);
  }
  const seen = new Set<string>();
  return events.map((event, i) => {
    if (!UUID.test(event.id)) throw new ValidationError('event-store.invalid-event-id', `event id ${event.id} is not a UUID`, { field: `events[${i}].id` });
    const id = event.id.toLowerCase();
    if (seen.has(id)) throw new ValidationError('event-store.repeated-event-id', `event id ${id} appears twice in one append`, { field: `events[${i}].id` });
    seen.add(id);
    // Canonical JSON (src/audit): jsonb ignores key order, and the integrity digest is then built
    // from these very strings instead of serialising the event a second time.
    const data = canonicalJsonOf(event.data ?? null);
    const metadata = canonicalJsonOf(event.metadata ?? {});
    if (NUL_ESCAPE.test(data) || NUL_ESCAPE.test(metadata)) {
      throw new ValidationError('event-store.nul-character', `event ${id}: U+0000 cannot be stored in jsonb`, { field: `events[${i}]` });
    }
    if (SURROGATE_ESCAPE.test(data) || SURROGATE_ESCAPE.test(metadata)) {
      throw new ValidationError('event-store.unpaired-surrogate', `event ${id}: an unpaired surrogate cannot be stored in jsonb`, { field: `events[${i}]` });
    }
    const digest = digestOfCanonical({ id, stream, type: event.type, data, metadata });
    return { id, type: event.type, data, metadata, digest };
  });
}

export function pendingAppend(
  stream: string,
  events: PreparedEvent[],
  expected: ExpectedRevision,
  resolve: (result: AppendResult) => void,
  reject: (error: unknown) => void,
  fencing: { fence?: Fence | undefined; fenceStream?: boolean } = {},
): PendingAppend {
  return { stream, category: categoryOf(stream), events, expected, attempts: 0, resolve, reject, fence: fencing.fence, fenceStream: fencing.fenceStream ?? false };
}
