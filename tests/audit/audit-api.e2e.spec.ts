import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { pollWithHistory, type PollHistory } from './support.ts';

/** The audit operations through the HTTP API: receipts, the audit log with its redaction, verifyPoll, the key. */
let t: TestApp;
let history: PollHistory;
let auditor: Caller;
let admin: Caller;
beforeAll(async () => {
  t = await createTestApp();
  history = await pollWithHistory(t, { voters: 8 });
  auditor = await callerWith(t, 'auditor');
  admin = await callerWith(t, 'admin');
}, 120_000);
afterAll(async () => t?.close());

const receipt = (r: string) => call(t.app, { method: 'GET', url: `/api/receipts/${r}` });

describe('checkReceipt', () => {
  it('says what became of each ballot, and under which signed checkpoint', async () => {
    const [rejected, changed, upheld, plain] = history.receipts;
    expect((await receipt(rejected![0]!)).body).toMatchObject({ included: true, pollId: history.poll.pollId, status: 'rejected', intact: true });
    expect((await receipt(changed![0]!)).body).toMatchObject({ included: true, status: 'changed', eventType: 'BallotCast' });
    expect((await receipt(changed![1]!)).body).toMatchObject({ included: true, status: 'counted', eventType: 'BallotChanged' });
    expect((await receipt(upheld![0]!)).body).toMatchObject({ included: true, status: 'counted' });
    const ok = await receipt(plain![0]!);
    expect(ok).toMatchObject({ status: 200, body: { included: true, status: 'counted', position: expect.any(Number), checkpoint: { keyId: expect.any(String) } } });
  });

  it('a receipt with one character changed is not included; a malformed one is a 400', async () => {
    const r = history.receipts[3]![0]!;
    const forged = r.slice(0, 20) + (r[20] === 'A' ? 'B' : 'A') + r.slice(21);
    expect((await receipt(forged)).body).toEqual({ included: false });
    expect((await receipt('not-a-receipt')).status).toBe(400);
  });
});

describe('listAuditEvents', () => {
  async function all(caller: Caller, pollId = history.poll.pollId) {
    const items: any[] = [];
    let after = 0;
    for (;;) {
      const page = await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/audit/events?after=${after}&limit=7`, caller });
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      if (page.body.nextCursor === null) return items;
      after = page.body.nextCursor;
    }
  }

  it('pages through the whole lineage in log order; identities for auditors only', async () => {
    const seen = await all(auditor);
    const positions = seen.map((e) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(seen.map((e) => e.type))).toEqual(
      new Set(['PollCreated', 'PollOpened', 'BallotCast', 'BallotChanged', 'BallotFlagged', 'FlagReviewed', 'PollClosed', 'AuditCheckpointSigned']),
    );
    const cast = seen.find((e) => e.type === 'BallotCast');
    expect(cast).toMatchObject({ redacted: false, data: { accountId: expect.any(String) }, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const asAdmin = (await all(admin)).find((e) => e.type === 'BallotCast');
    expect(asAdmin).toMatchObject({ redacted: true, data: { accountId: '(hidden)', voterKey: '(hidden)' } });
    expect(asAdmin.stream).not.toContain('u.');
  });

  it('on an anonymous poll nobody sees identities', async () => {
    const anonymous = await pollWithHistory(t, { voters: 3, anonymous: true });
    const ballots = (await all(auditor, anonymous.poll.pollId)).filter((e) => e.stream.startsWith('ballot-'));
    expect(ballots.length).toBeGreaterThan(0);
    expect(ballots.every((e) => e.redacted)).toBe(true);
  });
});

describe('verifyPoll and the public key', () => {
  it('an untouched poll verifies; the key is the one the checkpoints name', async () => {
    const verified = await call(t.app, { method: 'GET', url: `/api/polls/${history.poll.pollId}/audit/verify`, caller: auditor });
    expect(verified).toMatchObject({ status: 200, body: { ok: true, resultsMatch: true, problems: [], headHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const key = await call(t.app, { method: 'GET', url: '/api/audit/public-key' });
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: verified.body.checkpoint.keyId, pem: expect.stringContaining('PUBLIC KEY') });
    expect((await call(t.app, { method: 'GET', url: `/api/polls/00000000-0000-4000-8000-000000000000/audit/verify`, caller: auditor })).status).toBe(404);
  });
});
