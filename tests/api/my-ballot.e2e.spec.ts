import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAUD_SETTINGS } from '../../src/commands/fraud/settings.ts';
import { SANDBOX_IDS } from '../../src/adapters/national-registry/sandbox/index.ts';
import { ballotStream } from '../../src/domain/shared/streams.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * getMyBallot: a voter whose castBallot answer was lost finds the ballot again, identified as
 * castBallot identifies them under every voter policy, and never anybody else's. Fraud detection
 * runs (in-process counter) so that a ballot flagged as it is cast shows its receipt too.
 */
let t: TestApp;
let organizer: Caller;

beforeAll(async () => {
  t = await createTestApp({}, undefined, { settings: DEFAULT_FRAUD_SETTINGS });
  organizer = await callerWith(t, 'organizer');
});
afterAll(async () => t?.close());

type Who = { caller?: Caller; headers?: Record<string, string>; remoteAddress?: string };

const cast = (poll: any, who: Who, extra: object = {}, answers = answersFor(poll)) =>
  call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, ...who, payload: { answers, ...extra } });
const mine = (poll: any, who: Who) => call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/ballots/mine`, ...who });

/** What castBallot answered must come back from getMyBallot, unchanged. */
async function expectSameBallot(poll: any, who: Who, castWho: Who = who, extra: object = {}) {
  const before = await mine(poll, who);
  expect(before).toMatchObject({ status: 404, body: { code: 'ballot.not-found' } });
  const cast201 = await cast(poll, castWho, extra);
  expect(cast201.status).toBe(201);
  const found = await mine(poll, who);
  expect(found.status).toBe(200);
  expect(found.body).toMatchObject({ ...cast201.body, pollId: poll.pollId, status: 'counted', castAt: expect.any(String), changedAt: null });
  expect(found.headers['cache-control']).toBe('private, no-store');
  return { cast: cast201.body, found: found.body };
}

describe('getMyBallot for every voter policy', () => {
  it('account: the ballotId, receipt and position castBallot answered, the answers, status counted', async () => {
    const poll = await openedPoll(t.app, organizer);
    const voter = await callerWith(t);
    const { found } = await expectSameBallot(poll, { caller: voter });
    expect(found.answers).toEqual(answersFor(poll));
    expect(Date.parse(found.castAt)).not.toBeNaN();
    const checked = await call(t.app, { method: 'GET', url: `/api/receipts/${found.receipt}` });
    expect(checked.body).toMatchObject({ included: true, pollId: poll.pollId });
    // No login on an account poll: 401, as castBallot.
    expect((await mine(poll, {})).body).toMatchObject({ status: 401, code: 'auth.required' });
  });

  it('anonymous: found through the same keyed voter hash', async () => {
    const poll = await openedPoll(t.app, organizer, { anonymous: true });
    const voter = await callerWith(t);
    const { found } = await expectSameBallot(poll, { caller: voter });
    expect(found.answers).toEqual(answersFor(poll));
    expect((await mine(poll, { caller: await callerWith(t) })).status).toBe(404);
  });

  it('verified: found by a verified account; 403 for an unverified one and 401 without login, as castBallot', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'verified' });
    const verified = await verifiedAccount();
    await expectSameBallot(poll, { headers: verified });
    expect((await mine(poll, { caller: await callerWith(t) })).body).toMatchObject({ status: 403, code: 'ballot.verification-required' });
    expect((await mine(poll, {})).status).toBe(401);
  });

  it('token: the Vote-Token header; another token has no ballot, a forged one is 403, none is 422', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const [token, other] = (await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count: 2 } })).body.tokens;
    await expectSameBallot(poll, { headers: { 'vote-token': token } }, {}, { voteToken: token });
    expect((await mine(poll, { headers: { 'vote-token': other } })).body).toMatchObject({ status: 404, code: 'ballot.not-found' });
    expect((await mine(poll, { headers: { 'vote-token': 'forged' } })).body).toMatchObject({ status: 403, code: 'ballot.invalid-vote-token' });
    expect((await mine(poll, {})).body).toMatchObject({ status: 422, code: 'ballot.vote-token-required', field: 'headers.vote-token' });
    // An account does not stand in for the token on a token poll.
    expect((await mine(poll, { caller: await callerWith(t) })).status).toBe(422);
  });

  it('open: the same address and browser find the ballot, without its answers; another browser has none', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'open' });
    const browser = { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' }, remoteAddress: '192.0.2.44' };
    const { found } = await expectSameBallot(poll, browser);
    expect(found.answers).toBeUndefined();
    expect((await mine(poll, { ...browser, headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' } })).status).toBe(404);
    expect((await mine(poll, { ...browser, remoteAddress: '192.0.2.45' })).status).toBe(404);
  });
});

describe('only ever the caller\'s own ballot', () => {
  it('another account gets 404 for its own ballot, then its own ballot once it votes, never the first voter\'s', async () => {
    const poll = await openedPoll(t.app, organizer);
    const alice = await callerWith(t);
    const bob = await callerWith(t);
    const aliceCast = (await cast(poll, { caller: alice })).body;
    expect((await mine(poll, { caller: bob })).body).toMatchObject({ status: 404, code: 'ballot.not-found' });
    const bobAnswers = answersFor(poll).slice(0, 1).map((a: any) => ({ ...a, optionIds: [poll.questions[0].options[1].optionId] }));
    const bobCast = (await cast(poll, { caller: bob }, {}, bobAnswers)).body;
    const bobs = (await mine(poll, { caller: bob })).body;
    expect(bobs).toMatchObject({ ballotId: bobCast.ballotId, receipt: bobCast.receipt, answers: bobAnswers });
    expect(bobs.ballotId).not.toBe(aliceCast.ballotId);
    expect((await mine(poll, { caller: alice })).body.ballotId).toBe(aliceCast.ballotId);
    // Someone else's ballot id in the URL is no way in: there is no such route.
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/ballots/${aliceCast.ballotId}`, caller: bob })).status).toBe(404);
  });

  it('404 poll.not-found for a poll that does not exist', async () => {
    expect((await mine({ pollId: randomUUID() }, { caller: await callerWith(t) })).body).toMatchObject({ status: 404, code: 'poll.not-found' });
  });
});

describe('what became of the ballot', () => {
  it('after changeBallot: status changed, the new answers, the change\'s receipt and position; the cast time stays', async () => {
    const poll = await openedPoll(t.app, organizer, { allowChangeVote: true });
    const voter = await callerWith(t);
    const first = (await cast(poll, { caller: voter })).body;
    const castAt = (await mine(poll, { caller: voter })).body.castAt;
    const newAnswers = [{ questionId: poll.questions[0].questionId, optionIds: [poll.questions[0].options[1].optionId] }];
    const changed = await call(t.app, { method: 'PUT', url: `/api/polls/${poll.pollId}/ballots/mine`, caller: voter, payload: { answers: newAnswers } });
    expect(changed.status).toBe(200);
    const found = (await mine(poll, { caller: voter })).body;
    expect(found).toMatchObject({
      ballotId: first.ballotId, status: 'changed', answers: newAnswers, castAt,
      receipt: changed.body.receipt, position: changed.body.position, changedAt: expect.any(String),
    });
    expect(found.receipt).not.toBe(first.receipt);
  });

  it('a retry with the same Idempotency-Key and getMyBallot give the same answer', async () => {
    const poll = await openedPoll(t.app, organizer);
    const voter = await callerWith(t);
    const headers = { 'idempotency-key': randomUUID() };
    const first = await cast(poll, { caller: voter, headers });
    const retried = await cast(poll, { caller: voter, headers });
    expect(retried).toMatchObject({ status: 201, body: first.body });
    expect((await mine(poll, { caller: voter })).body).toMatchObject(first.body);
    // The key is now in the OpenAPI document; what it accepts is what it was.
    const tooLong = await cast(poll, { caller: await callerWith(t), headers: { 'idempotency-key': 'k'.repeat(201) } });
    expect(tooLong.body).toMatchObject({ status: 422, code: 'request.invalid-idempotency-key' });
  });

  it('flagged as it was cast: the receipt castBallot answered (the flag\'s), flagged-pending, then rejected by a reviewer', async () => {
    const poll = await openedPoll(t.app, organizer, { fraudVelocityLimit: 1 });
    await cast(poll, { caller: await callerWith(t), remoteAddress: '198.51.100.1' });
    const voter = await callerWith(t);
    const flagged = await cast(poll, { caller: voter, remoteAddress: '198.51.100.2' });
    expect(flagged.status).toBe(201);
    const stream = await t.services.store.readStream(ballotStream(poll.pollId, `u.${voter.userId}`));
    expect(stream.map((e) => e.type)).toEqual(['BallotCast', 'BallotFlagged']);
    expect(flagged.body.position).toBe(Number(stream[1]!.position));
    expect((await mine(poll, { caller: voter })).body).toMatchObject({ ...flagged.body, status: 'flagged-pending' });

    await t.services.readModelsAt(BigInt(flagged.body.position));
    const reviewer = await callerWith(t, 'reviewer');
    const [flag] = (await call(t.app, { method: 'GET', url: `/api/review/flags?pollId=${poll.pollId}`, caller: reviewer })).body.items;
    expect(flag.ballotId).toBe(flagged.body.ballotId);
    const decided = await call(t.app, { method: 'POST', url: `/api/review/flags/${flag.flagId}/decision`, caller: reviewer, payload: { decision: 'reject', note: 'farm' } });
    expect(decided.status).toBe(200);
    // Still the receipt of the ballot as cast: the review is the reviewer's write, not the voter's.
    expect((await mine(poll, { caller: voter })).body).toMatchObject({ ...flagged.body, status: 'rejected' });
  });

  it('a ballot that reached the log after the close (its castBallot lost the race): after-close, never counted', async () => {
    const poll = await openedPoll(t.app, organizer);
    const voter = await callerWith(t);
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer });
    // What a castBallot racing the close leaves behind: appended, then answered poll-not-active.
    const ballotId = randomUUID();
    const late = await t.services.store.append(ballotStream(poll.pollId, `u.${voter.userId}`), [{
      id: randomUUID(),
      type: 'BallotCast',
      data: {
        ballotId, pollId: poll.pollId, voterKey: `u.${voter.userId}`, accountId: voter.userId, answers: answersFor(poll),
        meta: { ipPrefix: null, device: null, country: null, userAgentHash: null }, castAt: new Date().toISOString(),
      },
      metadata: { actor: `user:${voter.userId}`, correlationId: randomUUID() },
    }], 'no_stream');
    const found = (await mine(poll, { caller: voter })).body;
    expect(found).toMatchObject({ ballotId, status: 'after-close', position: Number(late.position), answers: answersFor(poll) });
  });
});

/** A registered account with the sandbox registry's first person verified: its bearer header. */
async function verifiedAccount(): Promise<Record<string, string>> {
  const email = `verified-${randomUUID()}@example.org`;
  const password = 'correct horse battery staple';
  const registered = await call(t.app, { method: 'POST', url: '/api/auth/register', payload: { email, password, displayName: 'Verified' } });
  expect(registered.status).toBe(201);
  const { accessToken } = (await call(t.app, { method: 'POST', url: '/api/auth/login', payload: { email, password } })).body;
  const headers = { authorization: `Bearer ${accessToken}` };
  const verified = await call(t.app, { method: 'POST', url: '/api/identity/verify', headers, payload: { nationalId: SANDBOX_IDS.active } });
  expect(verified.status).toBe(200);
  return headers;
}
