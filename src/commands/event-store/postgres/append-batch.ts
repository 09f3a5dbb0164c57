import type pg from 'pg';
import { WrongExpectedRevisionError } from '../errors.ts';
import { expectedHolds, type Lookup, priorOutcome, type StoredEvent } from './decide.ts';
import { MAX_EVENTS_PER_APPEND, type Outcome, type PendingAppend } from './pending-append.ts';

/**
 * The SQL of one group-commit batch: BEGIN; one lookup; decisions in JS; ONE multi-row INSERT;
 * (only on a race lost to another writer: one DELETE, one more lookup, and for expected 'any'
 * another INSERT at the new revision); COMMIT. Array binds
 * (`unnest`) keep it to a constant number of round trips whatever the batch size.
 */

const LOOKUP = `
SELECT e.id::text AS id, e.stream, e.revision::text AS revision, e.position::text AS position, NULL::text AS last_revision
  FROM events e WHERE e.id = ANY($1::uuid[])
UNION ALL
SELECT NULL, s.stream, NULL, NULL, (SELECT max(m.revision) FROM events m WHERE m.stream = s.stream)::text
  FROM unnest($2::text[]) AS s(stream)`;

// Position = (transaction id << 20) + ordinal: see migrations/001_events.sql. A retry inside the
// same transaction continues the ordinals ($8 = rows already attempted), so they stay unique.
// ON CONFLICT DO NOTHING (rather than an error) lets the other appends of the batch commit when
// one loses a race to another writer.
const INSERT = `
INSERT INTO events (position, id, stream, category, revision, type, data, metadata)
SELECT (pg_current_xact_id()::text::bigint << 20) + $8::bigint + t.ordinal, t.id, t.stream, t.category, t.revision, t.type, t.data, t.metadata
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[], $7::jsonb[])
       WITH ORDINALITY AS t(id, stream, category, revision, type, data, metadata, ordinal)
ON CONFLICT DO NOTHING
RETURNING id::text AS id, position::text AS position`;

const DELETE = `DELETE FROM events WHERE id = ANY($1::uuid[])`;

interface LookupRow {
  id: string | null;
  stream: string;
  revision: string | null;
  position: string | null;
  last_revision: string | null;
}

async function lookup(client: pg.PoolClient, appends: readonly PendingAppend[]): Promise<Lookup> {
  const ids = appends.flatMap((a) => a.events.map((e) => e.id));
  const streams = appends.map((a) => a.stream);
  const { rows } = await client.query<LookupRow>({ name: 'pollster-append-lookup', text: LOOKUP, values: [ids, streams] });
  const result: Lookup = { byId: new Map<string, StoredEvent>(), lastRevision: new Map<string, bigint>() };
  for (const row of rows) {
    if (row.id !== null && row.revision !== null && row.position !== null) {
      result.byId.set(row.id, { stream: row.stream, revision: BigInt(row.revision), position: BigInt(row.position) });
    } else if (row.last_revision !== null) {
      result.lastRevision.set(row.stream, BigInt(row.last_revision));
    }
  }
  return result;
}

interface Write {
  index: number;
  append: PendingAppend;
  /** Revision of the append's first event. */
  start: bigint;
}

async function insert(client: pg.PoolClient, writes: readonly Write[], ordinalOffset: number): Promise<Map<string, bigint>> {
  const cols: [string[], string[], string[], string[], string[], string[], string[]] = [[], [], [], [], [], [], []];
  for (const { append, start } of writes) {
    append.events.forEach((e, i) => {
      cols[0].push(e.id);
      cols[1].push(append.stream);
      cols[2].push(append.category);
      cols[3].push(String(start + BigInt(i)));
      cols[4].push(e.type);
      cols[5].push(e.data);
      cols[6].push(e.metadata);
    });
  }
  const { rows } = await client.query<{ id: string; position: string }>({ name: 'pollster-append-insert', text: INSERT, values: [...cols, ordinalOffset] });
  return new Map(rows.map((r) => [r.id, BigInt(r.position)]));
}

/** Decides and writes every append of `batch` in the open transaction of `client`. */
async function decideAndWrite(client: pg.PoolClient, batch: readonly PendingAppend[], maxRounds: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(batch.length);
  const before = await lookup(client, batch);
  let writes: Write[] = [];
  batch.forEach((append, index) => {
    const prior = priorOutcome(append, before.byId);
    const current = before.lastRevision.get(append.stream);
    if (prior !== undefined) outcomes[index] = prior;
    else if (!expectedHolds(append.expected, current)) {
      outcomes[index] = { error: new WrongExpectedRevisionError(append.stream, append.expected, current ?? 'no_stream') };
    } else writes.push({ index, append, start: current === undefined ? 0n : current + 1n });
  });
  if (writes.length === 0) return outcomes;

  // Rows in stream order: two batches (other processes) touching the same streams then take their
  // index locks in the same order and cannot deadlock on (stream, revision).
  writes.sort((a, b) => (a.append.stream < b.append.stream ? -1 : a.append.stream > b.append.stream ? 1 : 0));
  let ordinals = 0;
  for (let round = 1; writes.length > 0; round++) {
    const inserted = await insert(client, writes, ordinals);
    ordinals += writes.reduce((n, w) => n + w.append.events.length, 0);
    const lost: Write[] = [];
    for (const w of writes) {
      const last = w.append.events.at(-1);
      const position = last === undefined ? undefined : inserted.get(last.id);
      if (position !== undefined && w.append.events.every((e) => inserted.has(e.id))) {
        outcomes[w.index] = { ok: { nextExpectedRevision: w.start + BigInt(w.append.events.length - 1), position } };
      } else lost.push(w);
    }
    writes = [];
    if (lost.length === 0) break;

    // Another writer committed a row we collided with after our lookup. Take back this append's
    // rows that did go in (all or nothing per append), then look again to say why it lost.
    const partial = lost.flatMap((w) => w.append.events.filter((e) => inserted.has(e.id)).map((e) => e.id));
    if (partial.length > 0) await client.query({ name: 'pollster-append-delete', text: DELETE, values: [partial] });
    const after = await lookup(client, lost.map((w) => w.append));
    for (const { index, append } of lost) {
      const current = after.lastRevision.get(append.stream);
      const prior = priorOutcome(append, after.byId);
      if (prior !== undefined) outcomes[index] = prior;
      else if (append.expected !== 'any') {
        outcomes[index] = { error: new WrongExpectedRevisionError(append.stream, append.expected, current ?? 'no_stream') };
      } else if (round < maxRounds && ordinals + append.events.length <= MAX_EVENTS_PER_APPEND) {
        // Retry at once in this transaction, on the revision just seen: going back to the queue
        // would let the other writer, a commit ahead, win every round and starve this append.
        writes.push({ index, append, start: current === undefined ? 0n : current + 1n });
      } else outcomes[index] = 'retry';
    }
  }
  return outcomes;
}

/**
 * One batch in one transaction on its own connection. Returns only after COMMIT, so every
 * outcome it reports is durable (synchronous_commit stays on). Throws when the batch as a whole
 * failed; a connection that failed is destroyed rather than returned to the pool.
 */
export async function writeBatch(pool: pg.Pool, batch: readonly PendingAppend[], maxRounds = 5): Promise<Outcome[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const outcomes = await decideAndWrite(client, batch, maxRounds);
    await client.query('COMMIT');
    client.release();
    return outcomes;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(rolledBack ? undefined : (error as Error));
    throw error;
  }
}
