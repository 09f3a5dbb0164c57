import type pg from 'pg';
import type { ReadAllResult, RecordedEvent, SubscribeOptions } from '../port.ts';
import type { CommitSignal } from './commit-signal.ts';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './row.ts';

/**
 * The read side of the postgres adapter. Reads of `$all` stop below the oldest transaction still
 * in progress (see migrations/001_events.sql): a writer that took its transaction id earlier but
 * commits later could otherwise land behind a reader's checkpoint and be skipped forever.
 */
const HORIZON = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)`;

// The horizon comes back with the page (one row even when no event is readable), so a page that
// is not full can report how far the log is complete: everything below the horizon is final.
const readAllSql = (filter: string) => `SELECT h.horizon::text AS horizon, e.*
  FROM (SELECT ${HORIZON} AS horizon) h
  LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events
    WHERE ${filter} position > $1 AND position < h.horizon ORDER BY position LIMIT $2) e ON true`;
const READ_ALL = readAllSql('');
// Uses the (category, position) index; categories are few, so `= ANY` stays an index scan.
const READ_ALL_CATEGORIES = readAllSql('category = ANY($3::text[]) AND');

const HEAD = `SELECT max(position)::text AS head FROM events WHERE position < ${HORIZON}`;

// No horizon needed within one stream: unique (stream, revision) makes a writer of revision n+1
// see revision n committed first, so a stream never shows a gap.
const READ_STREAM = `SELECT ${EVENT_COLUMNS} FROM events
  WHERE stream = $1 AND revision >= $2
  ORDER BY revision LIMIT $3`;

export async function readStream(
  pool: pg.Pool,
  stream: string,
  options: { fromRevision?: bigint; maxCount?: number } = {},
): Promise<RecordedEvent[]> {
  const { rows } = await pool.query<EventRow>({
    name: 'pollster-read-stream',
    text: READ_STREAM,
    values: [stream, String(options.fromRevision ?? 0n), options.maxCount ?? null],
  });
  return rows.map(toRecordedEvent);
}

type PageRow = { horizon: string } & ({ [K in keyof EventRow]: null } | EventRow);

export async function readAll(
  pool: pg.Pool,
  options: { from: bigint; limit: number; categories?: readonly string[] },
): Promise<ReadAllResult> {
  const filtered = options.categories !== undefined && options.categories.length > 0;
  const { rows } = await pool.query<PageRow>(
    filtered
      ? { name: 'pollster-read-all-cat', text: READ_ALL_CATEGORIES, values: [String(options.from), options.limit, options.categories] }
      : { name: 'pollster-read-all', text: READ_ALL, values: [String(options.from), options.limit] },
  );
  const events = rows.flatMap((row) => (row.position === null ? [] : [toRecordedEvent(row as EventRow)]));
  const last = events.at(-1)?.position;
  if (events.length === options.limit && last !== undefined) return { events, next: last };
  // Not full: the log is complete up to just below the horizon (never move a checkpoint back).
  const through = BigInt(rows[0]?.horizon ?? '0') - 1n;
  const floor = last ?? options.from;
  return { events, next: through > floor ? through : floor };
}

/** The last event readable now (below the horizon), 0n for an empty log. */
export async function headPosition(pool: pg.Pool): Promise<bigint> {
  const { rows } = await pool.query<{ head: string | null }>({ name: 'pollster-head', text: HEAD });
  return BigInt(rows[0]?.head ?? '0');
}

export interface SubscriptionDeps {
  read: (options: { from: bigint; limit: number; categories?: readonly string[] }) => Promise<ReadAllResult>;
  commits: CommitSignal;
  pollIntervalMs: number;
  /** Aborted when the store closes. */
  closed: AbortSignal;
}

/**
 * Tails `$all` by polling: woken at once by this process's own commits, otherwise every
 * `pollIntervalMs` (writers in other processes). Ends quietly on abort or store close.
 */
export async function* subscribeToAll(deps: SubscriptionDeps, options: SubscribeOptions): AsyncGenerator<RecordedEvent[]> {
  const signals = options.signal === undefined ? [deps.closed] : [deps.closed, options.signal];
  const stopped = () => signals.some((s) => s.aborted);
  const limit = options.batchSize ?? 500;
  let from = options.from;
  while (!stopped()) {
    const seen = deps.commits.generation;
    let page: ReadAllResult;
    try {
      page = await deps.read({ from, limit, ...(options.categories ? { categories: options.categories } : {}) });
    } catch (error) {
      if (stopped()) return; // the pool was ended under us by close(): not an error for the consumer
      throw error;
    }
    if (stopped()) return;
    from = page.next;
    if (page.events.length > 0) yield page.events;
    // After the yield: "read through p" must not be claimed before the consumer had the events.
    options.onProgress?.(page.next);
    if (page.events.length < limit) await deps.commits.sleep(deps.pollIntervalMs, seen, signals);
  }
}
