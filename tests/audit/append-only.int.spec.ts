import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { events, freshCategory } from '../contract/helpers.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * The attacks migration 015 stops, each made as the strongest caller that does not switch the
 * triggers off: a superuser connection (what the tests connect as), then the same under
 * session_replication_role = replica, then the application role the README recommends. Every one
 * must fail with the trigger's SQLSTATE and leave the log exactly as it was: same rows, same
 * hash chain head per stream.
 */
const APPEND_ONLY = 'P0420';

let db: TestDatabase;
let store: PostgresEventStore;
let admin: pg.Client;
let stream: string;

/** Every stored byte of the log and the head of each stream's chain, to compare before and after. */
async function snapshot() {
  // events.position: a bare `position` would be the text column selected, and sort as text.
  const rows = await admin.query(`SELECT position::text, id::text, stream, revision::text, type, data::text, metadata::text, encode(hash, 'hex') AS hash
    FROM events ORDER BY events.position`);
  const heads = await admin.query(`SELECT DISTINCT ON (stream) stream, revision::text, encode(hash, 'hex') AS hash
    FROM events ORDER BY stream, revision DESC`);
  return { rows: rows.rows, heads: heads.rows };
}

async function refused(client: pg.Client, statement: string): Promise<{ code?: string; message: string }> {
  const error = (await client.query(statement).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message: string } | undefined;
  expect(error, `${statement} went through`).toBeDefined();
  return error!;
}

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore({ connectionString: db.url });
  stream = `${freshCategory()}-ledger`;
  await store.append(stream, events(3), 'no_stream');
  await store.append(`${stream}2`, events(2), 'no_stream');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await store?.close();
  await db?.drop();
});

describe('the events table refuses every change to what it stores', () => {
  it('the attacker is a superuser: no privilege check is what stops them', async () => {
    expect((await admin.query(`SELECT current_setting('is_superuser') AS s`)).rows[0].s).toBe('on');
  });

  for (const replica of [false, true]) {
    describe(replica ? 'with session_replication_role = replica' : 'as a plain superuser session', () => {
      beforeAll(async () => {
        await admin.query(`SET session_replication_role = ${replica ? 'replica' : 'origin'}`);
      });
      afterAll(async () => {
        await admin.query('SET session_replication_role = origin');
      });

      it('an UPDATE of an event\'s data fails with the trigger\'s error, and the log is unchanged', async () => {
        const before = await snapshot();
        const error = await refused(admin, `UPDATE events SET data = '{"n": 99}' WHERE stream = '${stream}' AND revision = 1`);
        expect(error).toMatchObject({ code: APPEND_ONLY, message: 'events is append-only: UPDATE refused' });
        // the hash column too: recomputing a chain in place is the same attack
        expect(await refused(admin, `UPDATE events SET hash = sha256(hash)`)).toMatchObject({ code: APPEND_ONLY });
        expect(await snapshot()).toEqual(before);
      });

      it('a DELETE fails, and the log is unchanged', async () => {
        const before = await snapshot();
        const error = await refused(admin, `DELETE FROM events WHERE stream = '${stream}' AND revision = 2`);
        expect(error).toMatchObject({ code: APPEND_ONLY, message: 'events is append-only: DELETE refused' });
        expect(await snapshot()).toEqual(before);
      });

      it('a TRUNCATE fails, and the log is unchanged', async () => {
        const before = await snapshot();
        const error = await refused(admin, 'TRUNCATE events');
        expect(error).toMatchObject({ code: APPEND_ONLY, message: 'events is append-only: TRUNCATE refused' });
        expect(await snapshot()).toEqual(before);
      });
    });
  }

  it('inside a transaction that wrote events itself, older events still cannot be deleted', async () => {
    // the one exception (a transaction taking back its own uncommitted rows) must not reach further
    const before = await snapshot();
    await admin.query('BEGIN');
    try {
      await admin.query(`INSERT INTO events (position, id, stream, category, revision, type, data, metadata)
        VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, gen_random_uuid(), '${stream}-own', 'own', 0, 'T', '{}', '{}')`);
      await admin.query(`DELETE FROM events WHERE stream = '${stream}-own'`);
      expect(await refused(admin, `DELETE FROM events WHERE stream = '${stream}'`)).toMatchObject({ code: APPEND_ONLY });
    } finally {
      await admin.query('ROLLBACK');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the application role the README recommends can append and read, and change nothing', async () => {
    const role = `pollster_app_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password; // the connection string wins over separate user/password options
    const app = new pg.Client({ connectionString: url.toString() });
    try {
      await admin.query(`GRANT SELECT, INSERT ON events TO ${role}`);
      await app.connect();
      expect((await app.query(`SELECT current_user AS u, current_setting('is_superuser') AS s`)).rows[0]).toEqual({ u: role, s: 'off' });
      const before = await snapshot();
      expect((await app.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(before.rows.length);
      const appended = new PostgresEventStore({ connectionString: url.toString() });
      try {
        await appended.append(`${stream}-app`, events(1), 'no_stream');
      } finally {
        await appended.close();
      }
      before.rows = (await snapshot()).rows;
      before.heads = (await snapshot()).heads;
      for (const statement of ['UPDATE events SET data = data', 'DELETE FROM events', 'TRUNCATE events']) {
        expect(await refused(app, statement)).toMatchObject({ code: '42501' }); // insufficient_privilege
      }
      expect(await snapshot()).toEqual(before);
    } finally {
      await app.end().catch(() => {});
      await admin.query(`REVOKE ALL ON events FROM ${role}`);
      await admin.query(`DROP ROLE ${role}`);
    }
  });
});
