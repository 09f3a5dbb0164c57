import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behindTriggers } from './support.ts';
import { exportPoll } from '../../src/audit/export-poll.ts';
import { ExportSigner } from '../../src/audit/export-format.ts';
import { readPollLog } from '../../src/audit/poll-log.ts';
import { verifyExport } from '../../src/audit/verify-export.ts';
import { verifyPollLog, type VerifyReport } from '../../src/audit/verify.ts';
import { verifyPoll } from '../../src/audit/verify-poll.ts';
import type { EventStore } from '../../src/event-store/port.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { type EventSchemas, eventSchemas } from '../../src/event-store/schema-versions.ts';
import { EVENT_VERSIONS } from '../../src/domain/event-versions.ts';
import type { StoredData } from '../../src/domain/shared/event-version.ts';
import { getResults } from '../../src/projections/results/get-results.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type FixtureEvent, type MixedLog, mixedLog, pollEventsOf } from './mixed-log.ts';

/**
 * Integrity is over the bytes as stored (issue 16.6), so upcasters are no part of it: whatever a
 * release's upcasters make of old events (right, wrong, or written to hide a change), every
 * chain, checkpoint and trailer finding stays the same, and an altered version-1 event is caught.
 */
let t: TestApp;
let log: MixedLog;
let pollId: string;
let text: string;
let client: pg.Client;

beforeAll(async () => {
  t = await createTestApp();
  log = await mixedLog(t);
  pollId = log.fixture.pollId;
  text = await exportText(t.services.store);
  client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
}, 120_000);
afterAll(async () => {
  await client?.end();
  await t?.close();
});

async function exportText(store: EventStore): Promise<string> {
  const chunks: string[] = [];
  await exportPoll({ store, key: t.services.secrets.auditKey, now: () => new Date(0), results: () => getResults(t.services.sql, pollId) }, pollId, (c) => {
    chunks.push(c);
  });
  return chunks.join('');
}

const publicKey = () => t.services.secrets.auditKey.publicKey;

/** A registry like Pollster's whose BallotCast 1 → 2 upcaster is `upcast`. */
const withBallotCastUpcaster = (upcast: (data: StoredData) => Record<string, unknown>): EventSchemas =>
  eventSchemas({ ...EVENT_VERSIONS, BallotCast: { current: 2, upcasters: [upcast] } });

// Another release's idea of version 1 → 2: a different default, a rewrite of what counts, nothing at all.
const relabel = withBallotCastUpcaster((d) => ({ ...d, voterKind: 'token' }));
const rewrite = withBallotCastUpcaster((d) => ({ ...d, answers: [], voterKind: 'account' }));
const none = eventSchemas({});

/** Everything a verification says about integrity: all but the re-tally, which reads content. */
const integrity = (r: VerifyReport) => ({
  chainOk: r.chainOk, checkpoint: r.checkpoint, checkpointsChecked: r.checkpointsChecked, headHash: r.headHash,
  eventsChecked: r.eventsChecked, streams: r.streams, problems: r.problems.filter((p) => !p.code.startsWith('results.')),
});

const v1Cast = (): FixtureEvent => pollEventsOf(log.fixture).find((e) => e.type === 'BallotCast')!;

describe('changing an upcaster', () => {
  it('changes no integrity finding of an offline verify; one that rewrites what counts shows as a results mismatch, nothing else', () => {
    const base = verifyExport(text, { publicKey: publicKey() }).report;
    expect(base.problems).toEqual([]);
    for (const schemas of [relabel, rewrite, none]) {
      expect(integrity(verifyExport(text, { publicKey: publicKey(), schemas }).report)).toEqual(integrity(base));
    }
    // A default nobody counts: the whole report is the same.
    expect(verifyExport(text, { publicKey: publicKey(), schemas: relabel }).report).toEqual(base);
    expect(verifyExport(text, { publicKey: publicKey(), schemas: rewrite }).report.problems.map((p) => p.code)).toEqual(['results.mismatch']);
  });

  it('changes neither an online verify\'s integrity findings nor a byte of an export, even in the store\'s own reads', async () => {
    const base = await verifyPoll({ store: t.services.store, sql: t.services.sql, key: t.services.secrets.auditKey }, pollId);
    expect(base.problems).toEqual([]);
    const other = new PostgresEventStore({ connectionString: t.db.url, schemas: rewrite });
    try {
      const read = await readPollLog(other, pollId);
      for (const schemas of [relabel, rewrite, none]) {
        const report = verifyPollLog({ pollId, events: read.events, checkpoints: read.checkpoints, trustedKey: publicKey(), schemas });
        expect(integrity(report)).toEqual(integrity(base));
      }
      // The export is the log as stored: the same file whichever upcasters the store read with.
      expect(await exportText(other)).toBe(text);
    } finally {
      await other.close();
    }
  });
});

describe('a version-1 event whose stored bytes are altered', () => {
  // The attacker moves the ballot to the other option and ships an upcaster that shows the
  // original answers again: whoever hashed the upcast form would see nothing.
  const accomplice = (original: FixtureEvent) =>
    withBallotCastUpcaster((d) => ({ ...d, voterKind: 'account', ...(d.ballotId === original.data.ballotId ? { answers: original.data.answers } : {}) }));
  const altered = (e: FixtureEvent) => {
    const [single, ...rest] = e.data.answers;
    const other = log.fixture.poll.questions[0].options.map((o: any) => o.optionId).find((id: string) => id !== single.optionIds[0]);
    return { ...e.data, answers: [{ ...single, optionIds: [other] }, ...rest] };
  };
  const caughtAt = (report: VerifyReport, e: FixtureEvent) =>
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'chain.hash-mismatch', stream: e.stream, revision: e.revision }));

  it('in an export (its trailer signed again, so only the chain stands in the way) is caught, whatever the upcaster', () => {
    const e = v1Cast();
    const lines = text.trimEnd().split('\n').slice(0, -1);
    const signer = new ExportSigner(t.services.secrets.auditKey);
    const forged = lines.map((line) => {
      const record = JSON.parse(line);
      return signer.line(record.id === e.id ? JSON.stringify({ ...record, data: altered(e) }) : line);
    }).join('') + signer.trailer();
    for (const schemas of [undefined, accomplice(e), none]) {
      const { report } = verifyExport(forged, { publicKey: publicKey(), ...(schemas ? { schemas } : {}) });
      expect(report.ok).toBe(false);
      expect(report.chainOk).toBe(false);
      caughtAt(report, e);
    }
  });

  it('in the database (append-only triggers switched off by a superuser) is caught online, whatever the upcaster', async () => {
    const e = v1Cast();
    await behindTriggers(client, 'UPDATE events SET data = $1::jsonb WHERE id = $2', [JSON.stringify(altered(e)), e.id]);
    try {
      const online = await verifyPoll({ store: t.services.store, sql: t.services.sql, key: t.services.secrets.auditKey }, pollId);
      caughtAt(online, e);
      const read = await readPollLog(t.services.store, pollId);
      for (const schemas of [accomplice(e), relabel, none]) {
        caughtAt(verifyPollLog({ pollId, events: read.events, checkpoints: read.checkpoints, trustedKey: publicKey(), schemas }), e);
      }
    } finally {
      await behindTriggers(client, 'UPDATE events SET data = $1::jsonb WHERE id = $2', [JSON.stringify(e.data), e.id]);
    }
    expect((await verifyPoll({ store: t.services.store, sql: t.services.sql, key: t.services.secrets.auditKey }, pollId)).ok).toBe(true);
  });
});

