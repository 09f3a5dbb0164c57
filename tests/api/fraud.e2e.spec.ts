import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solveChallenge } from '../../src/commands/fraud/challenge/solve.ts';
import { DEFAULT_FRAUD_SETTINGS } from '../../src/commands/fraud/settings.ts';
import { ballotStream } from '../../src/domain/shared/streams.ts';
import { findBallot } from '../../src/projections/queries.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 6 end to end, on the in-process counter (embedded mode) with the server defaults
 * (more than 50 ballots per /24 in 10 minutes): a scripted attack mixed with normal traffic,
 * the challenge, the review queue, decisions and the two tallies.
 */
let t: TestApp;
let organizer: Caller;
let reviewer: Caller;

beforeAll(async () => {
  t = await createTestApp({}, undefined, { settings: { ...DEFAULT_FRAUD_SETTINGS, challengeMaxNumber: 20_000 } });
  organizer = await callerWith(t, 'organizer');
  reviewer = await callerWith(t, 'reviewer');
});
afterAll(async () => t?.close());

type Cast = { status: number; body: any };

async function vote(poll: any, remoteAddress: string, extra: object = {}, userAgent = 'Mozilla/5.0 (X11; Linux x86_64)'): Promise<Cast> {
  const response = await call(t.app, {
    method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), remoteAddress,
    headers: { 'user-agent': userAgent }, payload: { answers: answersFor(poll), ...extra },
  });
  if (response.status === 201) await t.services.readModelsAt(BigInt(response.body.position));
  return response;
}

const challenge = async () => solveChallenge((await call(t.app, { method: 'GET', url: '/api/challenge' })).body);
const flags = (query: string, caller = reviewer) => call(t.app, { method: 'GET', url: `/api/review/flags?${query}`, caller });
const decide = (flagId: string, decision: 'uphold' | 'reject', caller = reviewer) =>
  call(t.app, { method: 'POST', url: `/api/review/flags/${flagId}/decision`, caller, payload: { decision, note: `${decision}: checked the logs` } });
const results = (pollId: string, caller?: Caller) =>
  call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results`, ...(caller ? { caller } : {}) });

describe('velocity attack from one /24', () => {
  let poll: any;
  const attack: Cast[] = [];
  const normal: Cast[] = [];
  const challenged: Cast[] = [];

  beforeAll(async () => {
    poll = await openedPoll(t.app, organizer);
    // 55 ballots from 203.0.113.0/24 (each from its own host and account), one normal voter
    // from a /24 of its own after every fifth.
    for (let i = 1; i <= 55; i++) {
      attack.push(await vote(poll, `203.0.113.${i}`));
      if (i % 5 === 0) normal.push(await vote(poll, `198.51.${i}.7`));
    }
  });

  it('accepts the first 50 unflagged, flags the 51st, then asks the prefix for a challenge (428)', async () => {
    expect(attack.slice(0, 51).map((c) => c.status)).toEqual(Array(51).fill(201));
    expect(attack.slice(51).map((c) => c.status)).toEqual([428, 428, 428, 428]);
    expect(attack[51]!.body).toMatchObject({ status: 428, code: 'fraud.challenge-required', field: 'challenge' });
    expect(attack[51]!.body.detail).toContain('GET /api/challenge');
    expect(normal.map((c) => c.status)).toEqual(Array(11).fill(201));

    const queue = await flags(`pollId=${poll.pollId}`);
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((f: any) => f.ballotId)).toEqual([attack[50]!.body.ballotId]);
    expect(queue.body.items[0]).toMatchObject({
      pollId: poll.pollId, reasons: ['velocity'], status: 'pending', flaggedBy: 'system',
      details: { ipPrefix: '203.0.113.0/24', prefixCount: 51, velocityLimit: 50, windowSeconds: 600, challengeSolved: false },
    });
  });

  it('appends BallotFlagged right after BallotCast in the ballot stream, as the system', async () => {
    const [flag] = (await flags(`pollId=${poll.pollId}`)).body.items;
    const ballot = await findBallot(t.services.sql, poll.pollId, flag.ballotId);
    const events = await t.services.store.readStream(ballotStream(poll.pollId, ballot!.voterKey));
    expect(events.map((e) => [e.type, e.revision])).toEqual([['BallotCast', 0n], ['BallotFlagged', 1n]]);
    expect(events[0]!.metadata.actor).toMatch(/^user:/);
    expect(events[1]!.metadata).toMatchObject({ actor: 'system', correlationId: events[0]!.metadata.correlationId });
  });

  it('accepts a ballot with a solved challenge (201, flagged), once per solution', async () => {
    for (let i = 0; i < 3; i++) challenged.push(await vote(poll, `203.0.113.${100 + i}`, { challenge: await challenge() }));
    expect(challenged.map((c) => c.status)).toEqual([201, 201, 201]);
    const solution = await challenge();
    expect((await vote(poll, '203.0.113.200', { challenge: solution })).status).toBe(201);
    expect((await vote(poll, '203.0.113.201', { challenge: solution })).body).toMatchObject({ status: 428, code: 'fraud.challenge-used' });
    expect((await vote(poll, '203.0.113.202', { challenge: 'bm90IGEgc29sdXRpb24=' })).status).toBe(428);
    const queue = await flags(`pollId=${poll.pollId}&status=pending&reason=velocity`);
    expect(queue.body.items).toHaveLength(5);
    expect(queue.body.items.slice(1, 4).map((f: any) => f.ballotId)).toEqual(challenged.map((c) => c.body.ballotId));
    expect(queue.body.items[1].details).toMatchObject({ challengeSolved: true, prefixCount: 52 });
    // Normal voters are never flagged nor challenged.
    const flagged = new Set(queue.body.items.map((f: any) => f.ballotId));
    for (const c of normal) expect(flagged.has(c.body.ballotId)).toBe(false);
  });

  it('answers a network under challenge 428 before its ballot is judged: an invalid ballot from it writes nothing and learns nothing, and with a solution it is judged as ever', async () => {
    const ballotEvents = async () => Number(await t.services.sql.oneFirst(sql.unsafe`SELECT count(*) FROM events WHERE stream LIKE ${`ballot-${poll.pollId}-%`}`));
    const before = await ballotEvents();
    const invalid = { answers: [{ questionId: poll.questions[0].questionId, optionIds: [randomUUID()] }] }; // well-formed, so only the ballot decider can refuse it
    const early = await vote(poll, '203.0.113.210', invalid);
    expect(early.body).toMatchObject({ status: 428, code: 'fraud.challenge-required', field: 'challenge' });
    expect(early.body.detail).toBe(attack[51]!.body.detail); // the very answer the screen gives
    expect(await ballotEvents()).toBe(before);
    const judged = await vote(poll, '203.0.113.211', { ...invalid, challenge: await challenge() });
    expect(judged.status).toBe(422);
    // Another network, and the same network on another poll, are not held up.
    expect((await vote(poll, '198.51.100.77', invalid)).status).toBe(422);
    expect((await vote(await openedPoll(t.app, organizer), '203.0.113.212')).status).toBe(201);
  });

  it('serves a flood from the challenged network after the honest ballots ready with it: of 200 refusals sent first, 64 wait in its line and do not hold back a ballot sent after them, the rest get 429', async () => {
    const [honestVoter, other] = [await callerWith(t), await openedPoll(t.app, organizer)];
    const done: string[] = [];
    // 200: even if they arrive slowly, more come than the line (64) and its pace (250 a second) take.
    const flood = Array.from({ length: 200 }, (_, i) =>
      call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, remoteAddress: `203.0.113.${1 + (i % 250)}`, payload: { answers: answersFor(poll) } })
        .then((answer) => (answer.status === 428 && done.push('flood'), answer)));
    const honest = call(t.app, { method: 'POST', url: `/api/polls/${other.pollId}/ballots`, caller: honestVoter, remoteAddress: '198.51.100.99', payload: { answers: answersFor(other) } })
      .then((answer) => (done.push('honest'), answer));
    const [refused, accepted] = [await Promise.all(flood), await honest];
    expect(accepted.status).toBe(201);
    // Those in the line are answered as the screen would; past the line's 64 (less those served
    // while the rest arrived), 429 rate-limited, never anything else.
    const statuses = refused.map((r) => r.status);
    expect(statuses.filter((s) => s === 428).length).toBeGreaterThanOrEqual(64);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 428 && s !== 429)).toEqual([]);
    expect(refused.find((r) => r.status === 429)!.body).toMatchObject({ status: 429, code: 'rate-limited' });
    // Served in arrival order, the honest ballot would come after all of them; it waits for a few at most.
    expect(done.indexOf('honest')).toBeLessThan(32);
  });

  it('pages the queue oldest first with a cursor', async () => {
    const first = await flags(`pollId=${poll.pollId}&limit=2`);
    const second = await flags(`pollId=${poll.pollId}&limit=2&cursor=${first.body.nextCursor}`);
    const all = await flags(`pollId=${poll.pollId}`);
    expect([...first.body.items, ...second.body.items]).toEqual(all.body.items.slice(0, 4));
    expect(all.body.nextCursor).toBeNull();
    expect((await flags('cursor=bogus')).status).toBe(422);
  });

  it('reviewer decisions move the adjudicated tally and leave the raw one; a second decision is 409', async () => {
    const [a, b, c] = (await flags(`pollId=${poll.pollId}&status=pending`)).body.items;
    const counted = 51 + 11 + 4;
    const before = await results(poll.pollId, organizer);
    expect(before.body).toMatchObject({ totalBallots: counted, flaggedPending: 5, raw: { totalBallots: counted, rejectedBallots: 0, pendingFlags: 5 } });

    expect(await decide(a.flagId, 'reject')).toMatchObject({ status: 200, body: { status: 'rejected', reviewerId: reviewer.userId } });
    expect((await decide(b.flagId, 'reject')).status).toBe(200);
    expect((await decide(c.flagId, 'uphold')).status).toBe(200);
    expect((await decide(a.flagId, 'uphold')).body).toMatchObject({ status: 409, code: 'flag.already-decided' });

    const after = await results(poll.pollId, organizer);
    expect(after.body).toMatchObject({ totalBallots: counted - 2, flaggedPending: 2, raw: { totalBallots: counted, rejectedBallots: 2, pendingFlags: 2 } });
    const pizza = (r: any) => r.questions[0].options[0].votes;
    expect(pizza(after.body)).toBe(counted - 2);
    expect(pizza(after.body.raw)).toBe(counted);
    // Voters and the public see the adjudicated figures only.
    expect((await results(poll.pollId)).body.raw).toBeUndefined();
    expect((await results(poll.pollId, await callerWith(t))).body.raw).toBeUndefined();
    for (const role of ['auditor', 'reviewer', 'admin'] as const) {
      expect((await results(poll.pollId, await callerWith(t, role))).body.raw.totalBallots).toBe(counted);
    }
    const decided = (await flags(`pollId=${poll.pollId}&status=rejected`)).body.items;
    expect(decided.map((f: any) => f.flagId)).toEqual([a.flagId, b.flagId]);
    expect(decided[0]).toMatchObject({ reviewerId: reviewer.userId, note: 'reject: checked the logs', reviewedAt: expect.any(String) });
  });
});

describe('manual flags and authorization', () => {
  it('a reviewer flags any ballot, several times; each flag is decided on its own', async () => {
    const poll = await openedPoll(t.app, organizer);
    const cast = await vote(poll, '192.0.2.10');
    const url = `/api/polls/${poll.pollId}/ballots/${cast.body.ballotId}/flags`;
    const one = await call(t.app, { method: 'POST', url, caller: reviewer, payload: { reason: 'paid-vote ad links here' } });
    const two = await call(t.app, { method: 'POST', url, caller: reviewer, payload: { reason: 'same wording as 40 others' } });
    expect([one.status, two.status]).toEqual([201, 201]);
    const queue = (await flags(`pollId=${poll.pollId}`)).body.items;
    expect(queue.map((f: any) => [f.flagId, f.reasons, f.flaggedBy])).toEqual([
      [one.body.flagId, ['paid-vote ad links here'], reviewer.userId],
      [two.body.flagId, ['same wording as 40 others'], reviewer.userId],
    ]);
    expect((await decide(one.body.flagId, 'uphold')).status).toBe(200);
    expect((await results(poll.pollId, organizer)).body).toMatchObject({ totalBallots: 1, flaggedPending: 1 });
    expect((await decide(two.body.flagId, 'reject')).status).toBe(200);
    expect((await results(poll.pollId, organizer)).body).toMatchObject({ totalBallots: 0, flaggedPending: 0, raw: { totalBallots: 1 } });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${poll.pollId}/flags`, caller: reviewer, payload: { reason: 'x' } })).status).toBe(404);
  });

  it('voters, organizers (even the poll\'s own) and admins cannot flag or decide; only reviewers, admins and auditors list', async () => {
    const poll = await openedPoll(t.app, organizer);
    const cast = await vote(poll, '192.0.2.11');
    const flagged = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${cast.body.ballotId}/flags`, caller: reviewer, payload: { reason: 'check' } });
    for (const caller of [await callerWith(t), organizer, await callerWith(t, 'organizer'), await callerWith(t, 'admin')]) {
      expect((await decide(flagged.body.flagId, 'reject', caller)).status).toBe(403);
      expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${cast.body.ballotId}/flags`, caller, payload: { reason: 'x' } })).status).toBe(403);
    }
    expect((await call(t.app, { method: 'POST', url: `/api/review/flags/${flagged.body.flagId}/decision`, payload: { decision: 'reject', note: 'x' } })).status).toBe(401);
    expect((await flags('', await callerWith(t))).status).toBe(403);
    expect((await flags('', organizer)).status).toBe(403);
    for (const role of ['admin', 'auditor'] as const) expect((await flags('', await callerWith(t, role))).status).toBe(200);
    expect((await results(poll.pollId, organizer)).body.totalBallots).toBe(1);
  });
});
