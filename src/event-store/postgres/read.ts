import type pg from 'pg';
import type { EventHead, ReadAllHeadsResult, ReadAllOptions, ReadAllResult, RecordedEvent, SubscribeOptions } from '../port.ts';
import type { CommitSignal } from './commit-signal.ts';
import { EVENT_COLUMNS, type EventRow, HEAD_COLUMNS, type HeadRow, STORED_COLUMNS, toEventHead, toRecordedEvent } from './row.ts';
import { codePointOrder, likePrefix, normalizePrefixes, upperBound } from './stream-prefix.ts';

/**
 * The read side of the postgres adapter. Reads of `$all` stop below the oldest transaction still
 * in progress (see migrations/001_events.sql): a writer that took its transaction id earlier but
 * commits later could otherwise land behind a reader's checkpoint and be skipped forever.
 */
const HORIZON = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)`;

// The horizon comes back with the page (one row even when no event is readable), so a page that
// is not full can report how far the log is complete: everything below the horizon is final.
const readAllSql = (filter: string, columns: string) => `SELECT h.horizon::text AS horizon, e.*
  FROM (SELECT ${HORIZON} AS horizon) h
  LEFT JOIN LATERAL (SELECT ${columns} FROM events
    WHERE ${filter} position > $1 AND position < h.horizon ORDER BY position LIMIT $2) e ON true`;
// Uses the (category, position) index; categories are few, so `= ANY` stays an index scan.
const CATEGORIES = 'category = ANY($3::text[]) AND';
// By stream prefix (stream-prefix.ts). LIKE is the exact test; `$4` is the category filter ('{}' = any).
const LIKE = `stream LIKE ANY($3::text[]) AND (cardinality($4::text[]) = 0 OR category = ANY($4::text[])) AND`;
// One index range of (stream, revision) per prefix (prefixes normalised so ranges never overlap),
// then merged in position order. `OFFSET 0` fences the range scan: otherwise the generic plan of
// this prepared statement filters the whole log by walking the position index (90 ms instead of
// 3 ms on 300k events). Every page still sorts all of the prefixes' events: fine for one poll.
const readRangesSql = (columns: string) => `SELECT h.horizon::text AS horizon, e.*
  FROM (SELECT ${HORIZON} AS horizon) h
  LEFT JOIN LATERAL (SELECT ${columns} FROM unnest($3::text[], $4::text[], $5::text[]) AS p(lo, hi, pattern)
    CROSS JOIN LATERAL (SELECT ${STORED_COLUMNS}, category FROM events WHERE stream >= p.lo AND stream < p.hi OFFSET 0) ev
    WHERE ev.stream LIKE p.pattern AND (cardinality($6::text[]) = 0 OR ev.category = ANY($6::text[]))
      AND ev.position > $1 AND ev.position < h.horizon
    ORDER BY ev.position LIMIT $2) e ON true`;

/** The statements of one shape of page (whole events or heads), prepared under their own names. */
interface PageStatements {
  name: string;
  all: string;
  categories: string;
  like: string;
  ranges: string;
}
const pageStatements = (name: string, columns: string): PageStatements => ({
  name,
  all: readAllSql('', columns),
  categories: readAllSql(CATEGORIES, columns),
  like: readAllSql(LIKE, columns),
  ranges: readRangesSql(columns),
});
const EVENTS = pageStatements('pollster-read-all', EVENT_COLUMNS);
const HEADS = pageStatements('pollster-read-heads', HEAD_COLUMNS);

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

type PageRow<R> = { horizon: string } & ({ [K in keyof R]: null } | R);

async function pageQuery(pool: pg.Pool, options: ReadAllOptions, statements: PageStatements): Promise<pg.QueryConfig> {
  const from = String(options.from);
  const categories = options.categories ?? [];
  const prefixes = normalizePrefixes(options.streamPrefixes);
  const { name } = statements;
  if (prefixes !== undefined) {
    const patterns = prefixes.map(likePrefix);
    const uppers = prefixes.map(upperBound);
    if (uppers.every((u) => u !== undefined) && (await codePointOrder(pool))) {
      return { name: `${name}-ranges`, text: statements.ranges, values: [from, options.limit, prefixes, uppers, patterns, categories] };
    }
    return { name: `${name}-like`, text: statements.like, values: [from, options.limit, patterns, categories] };
  }
  return categories.length > 0
    ? { name: `${name}-cat`, text: statements.categories, values: [from, options.limit, categories] }
    : { name, text: statements.all, values: [from, options.limit] };
}

async function readPage<R extends { position: string }, E extends { position: bigint }>(
  pool: pg.Pool,
  options: ReadAllOptions,
  statements: PageStatements,
  convert: (row: R) => E,
): Promise<{ events: E[]; next: bigint }> {
  const { rows } = await pool.query<PageRow<R>>(await pageQuery(pool, options, statements));
  const events: E[] = [];
  for (const row of rows) if (row.position !== null) events.push(convert(row as R));
  const last = events.at(-1)?.position;
  if (events.length === options.limit && last !== undefined) return { events, next: last };
  // Not full: the log is complete up to just below the horizon (never move a checkpoint back).
  const through = BigInt(rows[0]?.horizon ?? '0') - 1n;
  const floor = last ?? options.from;
  return { events, next: through > floor ? through : floor };
}

export function readAll(pool: pg.Pool, options: ReadAllOptions): Promise<ReadAllResult> {
  return readPage<EventRow, RecordedEvent>(pool, options, EVENTS, toRecordedEvent);
}

export function readAllHeads(pool: pg.Pool, options: ReadAllOptions): Promise<ReadAllHeadsResult> {
  return readPage<HeadRow, EventHead>(pool, options, HEADS, toEventHead);
}

export async function headPosition(pool: pg.Pool): Promise<bigint> {
  const { rows } = await pool.query<{ head: string | null }>({ name: 'pollster-head', text: HEAD });
  return BigInt(rows[0]?.head ?? '0');
}

export interface SubscriptionDeps {
  read: (options: ReadAllOptions) => Promise<ReadAllResult>;
  commits: CommitSignal;
  pollIntervalMs: number;
  /**
   * For a loop of its own (a worker): after a page that was not full, the least time from one
   * read's start to the next. Counted from the read, not from the end of the consumer's work: a
   * consumer slower than this has let events gather while it worked, and a pause on top only
   * added to every event's lag (a worker's p99 at 5,000 ballots/s 66-114 → 64-80 ms at the same
   * statements per ballot). Without it, where the API shares the loop, the subscription pauses
   * SETTLE_MS after the consumer is done instead: that pause is the API's time on the loop, and
   * counted from the read the projections there read more often (SQL statements 0.09 → 0.11 a
   * ballot) and the live edge's p99 rose (median 241 → 352 ms in `bench live`).
   */
  settleMs?: number;
  closed: AbortSignal;
}

const SETTLE_MS = 10;

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
    const readAt = performance.now();
    let page: ReadAllResult;
    try {
      page = await deps.read({
        from,
        limit,
        ...(options.categories ? { categories: options.categories } : {}),
        ...(options.streamPrefixes ? { streamPrefixes: options.streamPrefixes } : {}),
      });
    } catch (error) {
      if (stopped()) return; // the pool was ended under us by close(): not an error for the consumer
      throw error;
    }
    if (stopped()) return;
    from = page.next;
    if (page.events.length > 0) yield page.events;
    // After the yield: "read through p" must not be claimed before the consumer had the events.
    options.onProgress?.(page.next);
    // A full page: read on at once. A page with some events: let more gather before reading
    // again: under load a whole poll interval was a quarter of the projections' lag, and no wait
    // at all made batches of a few events, each a transaction (server CPU per ballot +38% at
    // 2,000 ballots/s). An empty page: sleep until a commit of this process or the poll interval.
    if (page.events.length === 0) await deps.commits.sleep(deps.pollIntervalMs, seen, signals);
    else if (page.events.length < limit) {
      const gather = deps.settleMs === undefined
        ? Math.min(SETTLE_MS, deps.pollIntervalMs) // after the consumer's work: the API's time on the loop
        : Math.min(deps.settleMs, deps.pollIntervalMs) - (performance.now() - readAt);
      if (gather >= 1) await deps.commits.pause(gather, signals);
    }
  }
}
