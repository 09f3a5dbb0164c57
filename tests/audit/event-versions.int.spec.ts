import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReceipt } from '../../src/audit/check-receipt.ts';
import { exportPoll } from '../../src/audit/export-poll.ts';
import { readPollLog } from '../../src/audit/poll-log.ts';
import { verifyExport } from '../../src/audit/verify-export.ts';
import { normalizeResults, verifyPollLog } from '../../src/audit/verify.ts';
import { verifyPoll } from '../../src/audit/verify-poll.ts';
import { myBallotFrom } from '../../src/commands/ballots/my-ballot.ts';
import { receiptFor } from '../../src/domain/ballot/receipt.ts';
import { EVENT_VERSIONS, type EventType } from '../../src/domain/event-versions.ts';
import { tally } from '../../src/domain/results/tally.ts';
import { POSTGRES_PROJECTIONS } from '../../src/projections/index.ts';
import { getResults } from '../../src/projections/results/get-results.ts';
import { rebuildProjection } from '../../src/projections/rebuild/rebuild.ts';
import { call } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { dumpTables } from '../projections/dump-tables.ts';
import { type MixedLog, mixedLog, pollEventsOf, readFixture } from './mixed-log.ts';

/**
 * Issue 16.6: a log that mixes BallotCast versions 1 (tests/fixtures, written before versions
 * existed, re-appended byte for byte) and 2 (cast now) replays, rebuilds, counts and verifies,
 * online and offline, while every hash stays over the bytes as stored.
 */
let t: TestApp;
let log: MixedLog;
let pollId: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  log = await mixedLog(t);
  pollId = log.fixture.pollId;
  dir = await mkdtemp(join(tmpdir(), 'pollster-versions-'));
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exportText = async () => {
  const chunks: string[] = [];
  await exportPoll({ store: t.services.store, key: t.services.secrets.auditKey, now: () => new Date(), results: () => getResults(t.services.sql, pollId) }, pollId, (c) => {
    chunks.push(c);
  });
  return chunks.join('');
};

describe('a log of version-1 and version-2 ballots', () => {
  it('stores each event as written: version-1 rows unchanged and unversioned, new ballots stamped version 2', async () => {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; type: string; data: unknown; metadata: Record<string, unknown>; hash: string }>(
        `SELECT id::text, type, data, metadata, encode(hash, 'hex') AS hash FROM events WHERE stream LIKE $1 ORDER BY position`,
        [`ballot-${pollId}-%`],
      );
      const fixture = new Map(pollEventsOf(log.fixture).map((e) => [e.id, e]));
      const old = rows.filter((r) => fixture.has(r.id));
      expect(old.length).toBe(pollEventsOf(log.fixture).length - 2); // all but PollCreated and PollOpened
      for (const row of old) {
        const e = fixture.get(row.id)!;
        expect({ data: row.data, metadata: row.metadata, hash: row.hash }).toEqual({ data: e.data, metadata: e.metadata, hash: e.hash });
        expect(row.metadata).not.toHaveProperty('schemaVersion');
      }
      const casts = rows.filter((r) => !fixture.has(r.id) && r.type === 'BallotCast');
      expect(casts.length).toBe(log.voters.length);
      for (const row of casts) expect(row.metadata.schemaVersion).toBe(2);
      // Everything written today, of every type (accounts, roles, checkpoints too), says its version.
      const today = (await client.query<{ id: string; type: string; metadata: Record<string, unknown> }>('SELECT id::text, type, metadata FROM events')).rows
        .filter((r) => !fixture.has(r.id));
      expect(new Set(today.map((r) => r.type)).size).toBeGreaterThan(3);
      for (const row of today) expect(row.metadata.schemaVersion, row.type).toBe(EVENT_VERSIONS[row.type as EventType].current);
    } finally {
      await client.end();
    }
  });

  it('reads every BallotCast in version 2: a version-1 one upcast, with its stored form beside it', async () => {
    const { events } = await readPollLog(t.services.store, pollId);
    const casts = events.filter((e) => e.type === 'BallotCast');
    expect(casts.length).toBe(6 + log.voters.length);
    for (const e of casts) expect(e.data).toMatchObject({ voterKind: 'account' });
    const v1 = casts.filter((e) => e.stored !== undefined);
    expect(v1.length).toBe(6);
    for (const e of v1) {
      expect(e.stored!.data).not.toHaveProperty('voterKind');
      expect(e.metadata.schemaVersion).toBe(2);
      expect(e.stored!.metadata).not.toHaveProperty('schemaVersion');
    }
  });

  it('counts both: the read model equals a replay of the log, version-1 ballots as the fixture published them', async () => {
    const { events } = await readPollLog(t.services.store, pollId);
    const published = await getResults(t.services.sql, pollId);
    expect(normalizeResults(published)).toBe(normalizeResults(tally(pollId, events)));
    expect(published!.totalBallots).toBe(log.fixture.results.totalBallots + log.voters.length);
    // Only the version-1 part of the log: exactly what the fixture published.
    const v1Only = tally(pollId, events.filter((e) => pollEventsOf(log.fixture).some((f) => f.id === e.id)));
    expect(normalizeResults({ ...v1Only!, position: 0n })).toBe(normalizeResults({ ...log.fixture.results, position: 0n }));
  });

  it('rebuilds every read model from the mixed log to the same rows', async () => {
    const before = await getResults(t.services.sql, pollId);
    for (const projection of POSTGRES_PROJECTIONS) {
      const live = await dumpTables(t.services.sql, projection);
      const summary = await rebuildProjection({ sql: t.services.sql, store: t.services.store, projection });
      expect(summary.parked, projection.name).toEqual([]);
      expect(await dumpTables(t.services.sql, projection), projection.name).toEqual(live);
    }
    expect(normalizeResults(await getResults(t.services.sql, pollId))).toBe(normalizeResults(before));
  });

  it('tells voters of either version how they were admitted (version 1: from the stored voter key)', async () => {
    const v1 = pollEventsOf(log.fixture).find((e) => e.type === 'BallotCast')!;
    expect(myBallotFrom(await t.services.store.readStream(v1.stream), undefined)).toMatchObject({ ballotId: v1.data.ballotId, voterKind: 'account' });
    const mine = await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/ballots/mine`, caller: log.voters[0]! });
    expect(mine.body).toMatchObject({ status: 'counted', voterKind: 'account' });
  });

  it('verifies online: chains over the stored bytes, the checkpoint, the results', async () => {
    const report = await verifyPoll({ store: t.services.store, sql: t.services.sql, key: t.services.secrets.auditKey }, pollId);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, chainOk: true, resultsMatch: true, checkpoint: { signatureOk: true, merkleRootOk: true } });
  });

  it('answers for receipts of either version, the chain intact', async () => {
    const v1 = pollEventsOf(log.fixture).find((e) => e.type === 'BallotCast')!;
    const [stored] = await t.services.store.readStream(v1.stream);
    for (const receipt of [receiptFor(stored!.position, stored!.hash!), log.receipts[0]!]) {
      expect(await checkReceipt(t.services.store, receipt), receipt).toMatchObject({ included: true, intact: true });
    }
  });

  it('exports the stored form: the version-1 lines carry the fixture\'s data, metadata and hashes, and the file verifies offline', async () => {
    const text = await exportText();
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    for (const e of pollEventsOf(log.fixture)) {
      const line = lines.find((l) => l.id === e.id);
      expect({ type: line.type, data: line.data, metadata: line.metadata, hash: line.hash }).toEqual({ type: e.type, data: e.data, metadata: e.metadata, hash: e.hash });
    }
    const { report, receipt } = verifyExport(text, { publicKey: t.services.secrets.auditKey.publicKey, receipt: log.receipts[1]! });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, chainOk: true, resultsMatch: true, checkpoint: { signatureOk: true, merkleRootOk: true } });
    expect(receipt).toMatchObject({ included: true, status: 'changed' });
  });

  it('`pollster audit verify`, online and --file, exits 0 on the mixed log', async () => {
    const file = join(dir, 'mixed.jsonl');
    await writeFile(file, await exportText());
    const env = { DATABASE_URL: t.db.url, EVENT_STORE: 'postgres', LOG_LEVEL: 'warn' };
    const online = await pollster(['audit', 'verify', pollId], env);
    expect(online.code, online.stdout + online.stderr).toBe(0);
    const offline = await pollster(['audit', 'verify', '--file', file, '--public-key', t.services.secrets.auditKey.publicKey], env);
    expect(offline.code, offline.stdout + offline.stderr).toBe(0);
  }, 60_000);

  it('still verifies the version-1 fixture export itself, as it was written', async () => {
    const fixture = await readFixture();
    const { report } = verifyExport(fixture.text, { publicKey: fixture.publicKey });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, chainOk: true, resultsMatch: true, checkpoint: { signatureOk: true, merkleRootOk: true } });
    // And the pure check on the same events as read back from the store, stored forms included.
    const back = await readPollLog(t.services.store, pollId);
    expect(verifyPollLog({ pollId, events: back.events, checkpoints: back.checkpoints, trustedKey: t.services.secrets.auditKey.publicKey }).chainOk).toBe(true);
  });
});

function pollster(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
