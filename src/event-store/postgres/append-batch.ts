import type pg from 'pg';
import type { AppendResult, ExpectedRevision } from '../port.ts';
import { decideLost, type Lookup, type StoredEvent } from './append-outcome.ts';
import { MAX_EVENTS_PER_APPEND, type Outcome, type PendingAppend } from './pending-append.ts';

/**
 * The SQL of one group-commit batch. Optimistic write: no lookup before the INSERT, which checks
 * each append's expected revision itself, so the common batch is ONE statement in its own
 * implicit transaction: one round trip, durable when it answers (synchronous_commit on), also
 * with multi-event appends (a plain INSERT writes each append whole or not at all). Only after a
 * collision does a batch holding a multi-event append need an explicit transaction (BEGIN,
 * guarded INSERT, COMMIT): an append that went in only in part must be taken back before anyone
 * can see it. Only appends that did not go in are looked up afterwards, to say why (decideLost).
 * Array binds (`unnest`) keep the round trips constant whatever the size.
 */

const LOOKUP = `
SELECT e.id::text AS id, e.stream, e.revision::text AS revision, e.position::text AS position, NULL::text AS last_revision, e.hash
  FROM events e WHERE e.id = ANY($1::uuid[])
UNION ALL
SELECT NULL, s.stream, NULL, NULL, (SELECT max(m.revision) FROM events m WHERE m.stream = s.stream)::text, NULL
  FROM unnest($2::text[]) AS s(stream)`;

// $7, per event, is its append's expected revision: >= 0, or one of these.
const NO_STREAM = -1n;
const ANY = -2n;
const STREAM_EXISTS = -3n;
const code = (expected: ExpectedRevision): bigint =>
  expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : expected === 'stream_exists' ? STREAM_EXISTS : expected;

// Position = (transaction id << 20) + ordinal: see migrations/001_events.sql; $9 = rows already
// attempted in this transaction, so a retry in it keeps the ordinals unique.
// Expected revision, per event ($8 = its index in its append), all in the INSERT:
// - no_stream: revision i, no lookup; an existing stream collides on (stream, 0).
// - exact r: revision r+1+i, only if r is the stream's last revision in this statement's snapshot
//   (a too-high r would leave a gap, a too-low one would collide anyway).
// - any: last+1+i; stream_exists: the same, only if the stream has a last revision.
// A writer still in progress at the snapshot makes the INSERT wait for it and then collide (DO
// NOTHING), or the guard miss a row it committed meanwhile: either way the append is not written
// and decideLost, on a later snapshot, tells a lost race from a wrong expectation.
// The head of the stream (revision and hash) comes from one backward probe of the (stream, revision)
// index, skipped for no_stream (a one-time filter on the outer row: no probe at all); LIMIT 1
// keeps the lateral subquery from being pulled up, so it runs once per row.
// The integrity chain (migrations/010_integrity.sql): $10 holds the events' content digests, 32
// bytes each in row order (one binary parameter: an array of bytea costs a hex escape per row), and the
// row's hash is sha256(prev || int8send(revision) || digest), prev being the stored head's hash
// (or genesis). Events 2.. of a multi-event append link to the earlier ones of the same statement,
// which no subquery can see: for those appends ($11 = events in the append > 1) a window
// aggregate folds the links in ordinal order instead. Its SQL transition function costs ~20 µs a
// row, so single-event appends (nearly all of them) take the direct branch of the UNION ALL.
const GENESIS = `'\\x${'00'.repeat(32)}'::bytea`;
// A batch with a fenced append, or an append to a stream that can be a fence, first calls
// pollster_append_fences (migrations/022_append_fences.sql, 023_fences_ignoring.sql) through a CTE that the WHERE reads as
// an InitPlan: its locks are taken before the first row is inserted, i.e. before this transaction
// has an id (and so a position), and an event whose fence does not hold is not inserted.
const FENCES = `WITH fences AS MATERIALIZED (SELECT pollster_append_fences($12::text[], $2::text[], $13::text[], $14::bigint[], $15::text[]) AS ok)\n`;
const FENCE_HOLDS = `(SELECT f.ok FROM fences f)[t.ordinal]`;
const rowsOf = (appends: string, fenced: boolean) => `(SELECT (pg_current_xact_id()::text::bigint << 20) + $9::int + t.ordinal AS position, t.ordinal, t.i,
               t.id, t.stream, t.category, t.type, t.data, t.metadata, substring($10::bytea FROM t.ordinal::int * 32 - 31 FOR 32) AS digest,
               CASE WHEN t.expected = ${NO_STREAM} THEN t.i ELSE coalesce(l.last, -1) + 1 + t.i END AS revision,
               CASE WHEN l.last IS NULL THEN ${GENESIS} ELSE l.last_hash END AS prev
          FROM ROWS FROM (unnest($1::uuid[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                          jsonb_array_elements($5::jsonb), jsonb_array_elements($6::jsonb),
                          unnest($7::bigint[]), unnest($8::int[]), unnest($11::int[]))
               WITH ORDINALITY AS t(id, stream, category, type, data, metadata, expected, i, n, ordinal)
          LEFT JOIN LATERAL (SELECT e.revision AS last, e.hash AS last_hash FROM events e
                WHERE t.expected <> ${NO_STREAM} AND e.stream = t.stream ORDER BY e.revision DESC LIMIT 1) l ON true
         WHERE ${appends}${fenced ? ` AND ${FENCE_HOLDS}` : ''} AND CASE WHEN t.expected IN (${NO_STREAM}, ${ANY}) THEN true
               WHEN t.expected = ${STREAM_EXISTS} THEN l.last IS NOT NULL ELSE l.last = t.expected END)`;
const INSERT_HEAD = `INSERT INTO events (position, id, stream, category, revision, type, data, metadata, hash)`;
const singles = (fenced: boolean) => `SELECT r.position, r.id, r.stream, r.category, r.revision, r.type, r.data, r.metadata, sha256(r.prev || int8send(r.revision) || r.digest)
  FROM ${rowsOf('t.n = 1', fenced)} r`;
const multis = (fenced: boolean) => `SELECT m.position, m.id, m.stream, m.category, m.revision, m.type, m.data, m.metadata,
       pollster_chain(m.prev, m.revision, m.digest, m.i = 0) OVER (ORDER BY m.ordinal)
  FROM ${rowsOf('t.n > 1', fenced)} m`;
const RETURNING = `RETURNING (position & 1048575)::int AS ordinal, position::text AS position, revision::text AS revision, encode(hash, 'hex') AS hash`;
// A batch of single-event appends only (the ballot path) skips the second branch altogether.
// ON CONFLICT DO NOTHING lets the rest of the batch commit when one append collides. It costs a
// speculative insertion per row (a pre-check of the three unique indexes, one more WAL record):
// ~15% of the statement, so the first try of a batch outside a transaction goes without it, and
// only a batch that does collide (unique_violation: nothing of it was written) runs again with it.
const insertSql = (shape: { singles: boolean; guarded: boolean; fenced: boolean }) =>
  `${shape.fenced ? FENCES : ''}${INSERT_HEAD}\n${singles(shape.fenced)}${shape.singles ? '' : `\nUNION ALL\n${multis(shape.fenced)}`}` +
  `${shape.guarded ? '\nON CONFLICT DO NOTHING' : ''}\n${RETURNING}`;
const STATEMENTS = new Map(
  [true, false].flatMap((singles) => [true, false].flatMap((guarded) => [true, false].map((fenced) => {
    const name = `pollster-append-${singles ? 'singles' : 'insert'}${guarded ? '-guarded' : ''}${fenced ? '-fenced' : ''}`;
    return [name, insertSql({ singles, guarded, fenced })] as const;
  }))),
);
const UNIQUE_VIOLATION = '23505';

const DELETE = `DELETE FROM events WHERE id = ANY($1::uuid[])`;

interface LookupRow {
  id: string | null;
  stream: string;
  revision: string | null;
  position: string | null;
  last_revision: string | null;
  hash: Buffer | null;
}

async function lookup(client: pg.PoolClient, appends: readonly PendingAppend[]): Promise<Lookup> {
  const ids = appends.flatMap((a) => a.events.map((e) => e.id));
  // Fence streams too: decideLost tells a fence that moved from a race lost.
  const streams = [...new Set(appends.flatMap((a) => (a.fence ? [a.stream, a.fence.stream] : [a.stream])))];
  const { rows } = await client.query<LookupRow>({ name: 'pollster-append-lookup', text: LOOKUP, values: [ids, streams] });
  const result: Lookup = { byId: new Map<string, StoredEvent>(), lastRevision: new Map<string, bigint>() };
  for (const row of rows) {
    if (row.id !== null && row.revision !== null && row.position !== null) {
      result.byId.set(row.id, {
        stream: row.stream,
        revision: BigInt(row.revision),
        position: BigInt(row.position),
        ...(row.hash ? { hash: row.hash.toString('hex') } : {}),
      });
    } else if (row.last_revision !== null) {
      result.lastRevision.set(row.stream, BigInt(row.last_revision));
    }
  }
  return result;
}

function statement(plain: boolean, singles: boolean, fenced: boolean, values: unknown[]): pg.QueryConfig {
  const name = `pollster-append-${singles ? 'singles' : 'insert'}${plain ? '' : '-guarded'}${fenced ? '-fenced' : ''}`;
  return { name, text: STATEMENTS.get(name)!, values };
}

interface Written {
  results: (AppendResult | undefined)[];
  partial: string[];
}

async function insert(client: pg.PoolClient, appends: readonly PendingAppend[], ordinalOffset: number, plain: boolean): Promise<Written> {
  // Row k of every column is event k of the batch. data and metadata are already JSON text: they
  // go as one JSON array each, joined as they are, where a jsonb[] parameter would have pg escape
  // every quote of every event into an array literal (~10% of Node's CPU per event, bench/append.ts).
  const ids: string[] = [];
  const streams: string[] = [];
  const categories: string[] = [];
  const types: string[] = [];
  const datas: string[] = [];
  const metadatas: string[] = [];
  const expecteds: string[] = [];
  const indexes: number[] = [];
  const digests: Buffer[] = []; // concatenated below: row k's digest at bytes 32k .. 32k+31
  const sizes: number[] = [];
  const fenced = appends.some((a) => a.fence !== undefined || a.fenceStream);
  const fenceStreams: string[] = [];
  const fenceRevisions: string[] = [];
  const fenceIgnoring: string[] = [];
  for (const append of appends) {
    const expected = String(code(append.expected));
    const ignoring = append.fence?.ignoring?.join(',') ?? '';
    append.events.forEach((e, i) => {
      if (fenced) {
        fenceStreams.push(append.fence?.stream ?? '');
        fenceRevisions.push(String(append.fence?.revision ?? 0n));
        fenceIgnoring.push(ignoring);
      }
      ids.push(e.id);
      streams.push(append.stream);
      categories.push(append.category);
      types.push(e.type);
      datas.push(e.data);
      metadatas.push(e.metadata);
      expecteds.push(expected);
      indexes.push(i);
      digests.push(e.digest);
      sizes.push(append.events.length);
    });
  }
  const { rows } = await client.query<{ ordinal: number; position: string; revision: string; hash: string }>(
    statement(plain, sizes.every((n) => n === 1), fenced, [
      ids, streams, categories, types, `[${datas.join(',')}]`, `[${metadatas.join(',')}]`, expecteds, indexes, ordinalOffset, Buffer.concat(digests), sizes,
      ...(fenced ? [[...new Set(appends.filter((a) => a.fenceStream).map((a) => a.stream))], fenceStreams, fenceRevisions, fenceIgnoring] : []),
    ]),
  );
  // Row k of the arrays came back with ordinal offset+k+1.
  // (filled: `every` skips the holes of a bare `new Array(n)`)
  const back = new Array<{ position: string; revision: string; hash: string } | undefined>(ids.length).fill(undefined);
  for (const row of rows) back[row.ordinal - ordinalOffset - 1] = row;
  const written: Written = { results: [], partial: [] };
  let k = 0;
  for (const append of appends) {
    const mine = back.slice(k, (k += append.events.length));
    const last = mine.at(-1);
    if (last !== undefined && mine.every((r) => r !== undefined)) {
      written.results.push({ nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position), hash: last.hash });
    } else {
      written.results.push(undefined);
      append.events.forEach((e, i) => {
        if (mine[i] !== undefined) written.partial.push(e.id);
      });
    }
  }
  return written;
}

/**
 * The transaction of a batch, begun only when needed: a guarded INSERT (ON CONFLICT DO NOTHING)
 * can write a multi-event append in part, which must be taken back before anyone sees it.
 */
interface LazyTransaction {
  readonly active: boolean;
  begin(): Promise<void>;
}

async function decideAndWrite(
  client: pg.PoolClient,
  batch: readonly PendingAppend[],
  maxRounds: number,
  transaction: LazyTransaction,
  outcomes: (Outcome | undefined)[],
): Promise<void> {
  // Rows in stream order: two batches (other processes) touching the same streams then take their
  // index locks in the same order and cannot deadlock on (stream, revision).
  let todo = batch.map((append, index) => ({ append, index }));
  todo.sort((a, b) => (a.append.stream < b.append.stream ? -1 : a.append.stream > b.append.stream ? 1 : 0));
  let ordinals = 0;
  for (let round = 1; todo.length > 0; round++) {
    const appends = todo.map((w) => w.append);
    let written: Written | undefined;
    // First try: one plain INSERT in autocommit, multi-event appends included. Without ON CONFLICT
    // a collision fails it whole, and its other conditions (expected revision, fence) hold or fail
    // for every event of an append alike: each append goes in whole or not at all, with no BEGIN
    // and COMMIT (a ballot with its flag is a two-event append).
    if (round === 1) {
      written = await insert(client, appends, 0, true).catch((error: unknown) => {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
        throw error;
      });
    }
    if (written === undefined && appends.some((a) => a.events.length > 1)) await transaction.begin();
    const { results, partial } = written ?? (await insert(client, appends, ordinals, false));
    ordinals += todo.reduce((n, w) => n + w.append.events.length, 0);
    const lost = todo.filter((w, k) => {
      const result = results[k];
      if (result !== undefined) outcomes[w.index] = { ok: result };
      return result === undefined;
    });
    if (lost.length === 0) return;
    // Take back the rows of appends that went in only in part (all or nothing per append).
    if (partial.length > 0) {
      if (!transaction.active) throw new Error('a multi-event append was written in part outside a transaction');
      await client.query({ name: 'pollster-append-delete', text: DELETE, values: [partial] });
    }
    const after = await lookup(client, lost.map((w) => w.append));
    todo = [];
    for (const w of lost) {
      const outcome = decideLost(w.append, after);
      if (outcome !== 'again') outcomes[w.index] = outcome;
      // Again at once, on a fresh snapshot: going back to the queue would let the other writer,
      // a commit ahead, win every round and starve this append.
      else if (round < maxRounds && ordinals + w.append.events.length <= MAX_EVENTS_PER_APPEND) todo.push(w);
      else outcomes[w.index] = 'retry';
    }
  }
}

/**
 * One batch on its own connection. Returns only after the commit of every statement that wrote,
 * so every outcome it reports is durable. Throws when the batch as a whole failed; a connection
 * that failed is destroyed rather than returned to the pool.
 */
export async function writeBatch(pool: pg.Pool, batch: readonly PendingAppend[], maxRounds = 5): Promise<Outcome[]> {
  const outcomes = new Array<Outcome | undefined>(batch.length).fill(undefined);
  const client = await pool.connect();
  // Outcomes decided before BEGIN were committed by their own statement; later ones commit with it.
  let committedBefore: boolean[] | undefined;
  const transaction: LazyTransaction = {
    get active() {
      return committedBefore !== undefined;
    },
    async begin() {
      if (committedBefore !== undefined) return;
      await client.query('BEGIN');
      committedBefore = outcomes.map((o) => o !== undefined);
    },
  };
  try {
    await decideAndWrite(client, batch, maxRounds, transaction, outcomes);
    if (transaction.active) await client.query('COMMIT');
    client.release();
    return outcomes.map((o) => o ?? 'retry');
  } catch (error) {
    // Outside a transaction ROLLBACK is a harmless warning: this also tells if the connection works.
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(rolledBack ? undefined : (error as Error));
    // What the rolled-back transaction decided is undone; statements that answered before it have
    // committed: their outcomes stand, the others go back to the queue (decided afresh, idempotent by event id).
    const standing = outcomes.map((o, i) => (committedBefore === undefined || committedBefore[i] ? o : undefined));
    if (standing.some((o) => o !== undefined)) return standing.map((o) => o ?? 'retry');
    throw error;
  }
}
