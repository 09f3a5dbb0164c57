import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/event-store/integrity/canonical-json.ts';
import { contentDigest, GENESIS, link } from '../../src/event-store/integrity/chain.ts';
import { verifyPoll } from '../../src/audit/verify-poll.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { behindTriggers, pollWithHistory } from './support.ts';

/**
 * Issue 7: 1,000 random tampers of the stored events table, each committed, verified through
 * verifyPoll (what `pollster audit verify` runs), then undone: every one must be reported.
 * Tampers: a changed character in data (or metadata, or a checkpoint), a deleted row, two
 * revisions of a stream swapped, a forged event with a correctly recomputed chain hash (the
 * strongest forger without the signing key) placed under the latest signed checkpoint.
 * Forgeries after the latest checkpoint are out of scope by design: only the key holder's next
 * checkpoint can vouch for those (src/audit/README.md, "What is and is not proven").
 *
 * The events table refuses UPDATE, DELETE and TRUNCATE (migration 015), so each tamper is made the
 * way a superuser would have to: switch the append-only triggers off, change the rows, switch
 * them back on, all in one transaction so nothing ever sees the table unguarded. What remains to
 * catch such a person is the chain and the checkpoints, which is what this file tests.
 */
const ROUNDS = 1000;
const SEED = Number(process.env.TAMPER_SEED ?? Date.now() % 1_000_000);

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  position: string;
  id: string;
  stream: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: unknown;
  hash: Buffer;
}

let t: TestApp;
let client: pg.Client;
let pollId: string;
let rows: Row[];
let through: bigint;

beforeAll(async () => {
  t = await createTestApp();
  const history = await pollWithHistory(t, { voters: 20 });
  pollId = history.poll.pollId;
  client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
  // In log order: events.position, the number. A bare `position` is the text column selected, which
  // sorted 999… after 1000… once positions crossed 10^12 mid-poll, and a forged "next" revision
  // then collided with the stream's real head (events_stream_revision_key).
  rows = (
    await client.query<Row>(
      `SELECT position::text, id::text, stream, revision::text, type, data, metadata, hash FROM events
       WHERE stream = $1 OR stream = $2 OR stream LIKE $3 ORDER BY events.position`,
      [`poll-${pollId}`, `audit-${pollId}`, `ballot-${pollId}-%`],
    )
  ).rows;
  const last = rows.filter((r) => r.stream === `audit-${pollId}`).at(-1)!;
  through = BigInt((last.data as { through: string }).through);
}, 120_000);
afterAll(async () => {
  await client?.end();
  await t?.close();
});


const verify = () => verifyPoll({ store: t.services.store, sql: t.services.sql, key: t.services.secrets.auditKey }, pollId);

describe(`audit verify against tampering (seed ${SEED})`, () => {
  it('an untouched poll verifies clean: chains, both checkpoints, results', async () => {
    const report = await verify();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, chainOk: true, resultsMatch: true, checkpointsChecked: 2, checkpoint: { signatureOk: true, merkleRootOk: true, reason: 'close' } });
    expect(report.eventsChecked).toBe(rows.length);
  });

  it('with the triggers on, the same tampers are refused outright', async () => {
    const row = rows.find((r) => r.type === 'BallotCast')!;
    for (const statement of [`UPDATE events SET data = data || '{"x": 1}' WHERE id = '${row.id}'`, `DELETE FROM events WHERE id = '${row.id}'`]) {
      await expect(client.query(statement)).rejects.toMatchObject({ code: 'P0420' });
    }
    expect((await verify()).ok).toBe(true);
  });

  it(`reports every one of ${ROUNDS} random tampers`, async () => {
    const random = rng(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const kinds = { byte: 0, delete: 0, reorder: 0, forge: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const kind = pick(['byte', 'byte', 'delete', 'reorder', 'forge'] as const);
      kinds[kind]++;
      const undo = await tamper(kind, random, pick);
      try {
        const report = await verify();
        expect(report.ok, `round ${round}: ${kind} went unnoticed (seed ${SEED}): ${undo.what}`).toBe(false);
      } finally {
        await behindTriggers(client, undo.sql, undo.values);
      }
    }
    expect((await verify()).ok).toBe(true);
    // every round put the triggers back: the table is guarded again
    const triggers = await client.query(`SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal ORDER BY tgname`);
    expect(triggers.rows).toEqual([{ tgname: 'events_append_only_rows', tgenabled: 'A' }, { tgname: 'events_append_only_truncate', tgenabled: 'A' }]);
    expect(Object.values(kinds).every((n) => n > 0)).toBe(true);
  }, 120_000);
});

async function tamper(
  kind: 'byte' | 'delete' | 'reorder' | 'forge',
  random: () => number,
  pick: <T>(list: readonly T[]) => T,
): Promise<{ sql: string; values: unknown[]; what: string }> {
  if (kind === 'byte') {
    const row = pick(rows);
    const column = random() < 0.8 ? 'data' : 'metadata';
    const original = JSON.stringify(row[column]);
    for (;;) {
      const at = Math.floor(random() * original.length);
      const mutated = original.slice(0, at) + String.fromCharCode(33 + Math.floor(random() * 94)) + original.slice(at + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(mutated);
      } catch {
        continue;
      }
      if (canonicalJson(parsed) === canonicalJson(row[column])) continue;
      await behindTriggers(client, `UPDATE events SET ${column} = $1::jsonb WHERE id = $2`, [mutated, row.id]);
      return { sql: `UPDATE events SET ${column} = $1::jsonb WHERE id = $2`, values: [original, row.id], what: `${column} of ${row.stream}@${row.revision}: ${mutated}` };
    }
  }
  if (kind === 'delete') {
    const row = pick(rows);
    await behindTriggers(client, 'DELETE FROM events WHERE id = $1', [row.id]);
    return {
      sql: `INSERT INTO events (position, id, stream, category, revision, type, data, metadata, hash, recorded_at)
            VALUES ($1, $2, $3, split_part($3, '-', 1), $4, $5, $6, $7, $8, now())`,
      values: [row.position, row.id, row.stream, row.revision, row.type, row.data, row.metadata, row.hash],
      what: `deleted ${row.stream}@${row.revision}`,
    };
  }
  if (kind === 'reorder') {
    const streams = [...new Set(rows.map((r) => r.stream))].filter((s) => rows.filter((r) => r.stream === s).length > 1);
    const stream = pick(streams);
    const mine = rows.filter((r) => r.stream === stream);
    const a = pick(mine);
    const b = pick(mine.filter((r) => r !== a));
    await behindTriggers(client, moveRevisions(a, b.revision, b, a.revision));
    return { sql: moveRevisions(a, a.revision, b, b.revision), values: [], what: `swapped ${stream} revisions ${a.revision} and ${b.revision}` };
  }
  // forge: a BallotCast of a new voter, or a change at the head of an existing ballot stream,
  // with a valid chain hash, at a free position below the latest checkpoint's `through`.
  const template = pick(rows.filter((r) => r.type === 'BallotCast'));
  const extend = random() < 0.5;
  const stream = extend ? template.stream : `ballot-${pollId}-u.${randomUUID()}`;
  const head = rows.filter((r) => r.stream === stream).at(-1);
  const revision = extend ? BigInt(head!.revision) + 1n : 0n;
  const prev = extend ? head!.hash : GENESIS;
  const id = randomUUID();
  const type = extend ? 'BallotChanged' : 'BallotCast';
  const data = { ...(template.data as object), ballotId: extend ? (template.data as { ballotId: string }).ballotId : randomUUID() };
  const event = { id, stream, type, data, metadata: template.metadata };
  const hash = link(prev, revision, contentDigest(event));
  const below = rows.filter((r) => BigInt(r.position) < through);
  const base = BigInt(pick(below).position) & ~0xfffffn;
  const position = base + 500_000n + BigInt(Math.floor(random() * 500_000));
  await behindTriggers(client, 
    `INSERT INTO events (position, id, stream, category, revision, type, data, metadata, hash) VALUES ($1, $2, $3, 'ballot', $4, $5, $6, $7, $8)`,
    [String(position), id, stream, String(revision), type, data, template.metadata, hash],
  );
  return { sql: 'DELETE FROM events WHERE id = $1', values: [id], what: `forged ${type} ${stream}@${revision} at ${position}` };
}

/** Gives x and y these revisions, through a free one: (stream, revision) is unique after every statement. */
function moveRevisions(x: Row, xRevision: string, y: Row, yRevision: string): string {
  return `DO $$ BEGIN
    UPDATE events SET revision = 1099511627776 WHERE id = '${x.id}';
    UPDATE events SET revision = ${yRevision} WHERE id = '${y.id}';
    UPDATE events SET revision = ${xRevision} WHERE id = '${x.id}';
  END $$`;
}
