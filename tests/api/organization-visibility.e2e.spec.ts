import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { verifyThroughOutbox } from '../support/mail.ts';

/**
 * `visibility: organization`: the verified accounts of the organizer's email domain, and nobody
 * else. Membership is proved by reading the domain's mail (the outbox adapter stands in for the
 * mailbox here), never by typing an address at registration.
 */
let t: TestApp;

async function account(email: string, options: { roles?: Array<'organizer'>; verified?: boolean } = {}): Promise<Caller> {
  const password = 'long enough password';
  const { body } = await call(t.app, { method: 'POST', url: '/api/auth/register', payload: { email, password, displayName: email } });
  const userId = body.userId as string;
  const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter', ...(options.roles ?? [])], tokenVersion: 0 });
  const caller = { userId, headers: { authorization: `Bearer ${accessToken}` } };
  if (options.verified ?? true) await verifyThroughOutbox(t.app, t.outbox, caller, email);
  return caller;
}

beforeAll(async () => {
  t = await createTestApp();
  await account('first-admin@elsewhere.example', { verified: false }); // the first account on an empty system is admin
});
afterAll(async () => t?.close());

describe('organization polls', () => {
  it('verified members of the email domain see and vote; others get 403, anonymous 401', async () => {
    const organizer = await account('boss@acme.example', { roles: ['organizer'] });
    const member = await account('worker@ACME.example');
    const outsider = await account('someone@other.example');
    const { pollId } = (await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll({ visibility: 'organization' }) })).body;
    await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer });

    const seen = await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: member });
    expect(seen.status).toBe(200);
    const ballot = { answers: answersFor(seen.body) };
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: member, payload: ballot })).status).toBe(201);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results`, caller: member })).status).toBe(200);

    expect(await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: outsider })).toMatchObject({
      status: 403,
      body: { code: 'poll.organization-only' },
    });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: outsider, payload: ballot })).status).toBe(403);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results`, caller: outsider })).status).toBe(403);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}` })).status).toBe(401);
    // public listings never show it to others
    const listed = await call(t.app, { method: 'GET', url: '/api/polls?limit=100', caller: outsider });
    expect(listed.body.items.map((p: any) => p.pollId)).not.toContain(pollId);
  });

  it('an account that only typed the domain at registration is refused on every read until it verifies', async () => {
    const organizer = await account('chair@acme.example', { roles: ['organizer'] });
    const { pollId } = (await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll({ visibility: 'organization' }) })).body;
    await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer });
    const poll = (await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: organizer })).body;

    const eve = await account('eve@acme.example', { verified: false });
    const refused = { status: 403, body: { code: 'poll.organization-only' } };
    expect(await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: eve })).toMatchObject(refused);
    expect(await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: eve, payload: { answers: answersFor(poll) } }))
      .toMatchObject(refused);
    expect(await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results`, caller: eve })).toMatchObject(refused);
    expect(await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/live/sse`, caller: eve })).toMatchObject(refused);

    await verifyThroughOutbox(t.app, t.outbox, eve, 'eve@acme.example');
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: eve })).status).toBe(200);
  });
});
