import { sql } from 'slonik';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mailerFor } from '../../src/runtime/mailer.ts';
import { loadConfig } from '../../src/config.ts';
import { userStream } from '../../src/domain/shared/streams.ts';
import type { Role } from '../../src/domain/user/roles.ts';
import { answersFor, call, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from '../support/mail.ts';

/**
 * Organisation membership rests on a verified address. Before it, `register eve@acme.test` was
 * enough to read and vote in acme's organization polls, and anyone could register anyone's
 * address. Each test is one such attack. Mail goes through the SMTP adapter (SMTP_URL) to a real
 * SMTP server started here, which plays the mailbox of every address.
 */
let t: TestApp;
let smtp: SmtpReceiver;
let offsetMs = 0;
const advance = (ms: number) => {
  offsetMs += ms;
};

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  const config = loadConfig({ SMTP_URL: smtp.url });
  t = await createTestApp({}, undefined, undefined, { mailer: mailerFor(config, pino({ level: 'silent' })) });
  // The commands' clock: expiry and the resend throttle are judged by it.
  t.services.commands.now = () => new Date(Date.now() + offsetMs);
  await register('first-admin@elsewhere.test'); // the first account on an empty system is admin
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function register(email: string, roles: Role[] = []): Promise<Caller & { email: string }> {
  const registered = await call(t.app, {
    method: 'POST', url: '/api/auth/register', payload: { email, password: 'long enough password', displayName: email },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const userId = registered.body.userId as string;
  const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter', ...roles], tokenVersion: 0 });
  return { userId, email: email.toLowerCase(), headers: { authorization: `Bearer ${accessToken}` } };
}

const requestCode = (caller: Caller) => call(t.app, { method: 'POST', url: '/api/auth/email/verification', caller });
const verify = (caller: Caller, code: string) => call(t.app, { method: 'POST', url: '/api/auth/email/verify', caller, payload: { code } });
const me = async (caller: Caller) => (await call(t.app, { method: 'GET', url: '/api/me', caller })).body;
const getPoll = (caller: Caller, pollId: string) => call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller });

/** Asks for a code and reads it from the mailbox it went to. */
async function mailedCode(account: Caller & { email: string }): Promise<string> {
  const requested = await requestCode(account);
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  return codeIn((await smtp.next(account.email)).raw);
}

async function verified(email: string, roles: Role[] = []) {
  const account = await register(email, roles);
  expect((await verify(account, await mailedCode(account))).status).toBe(200);
  return account;
}

async function organizationPoll(organizer: Caller): Promise<string> {
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll({ visibility: 'organization' }) });
  expect(created.status).toBe(201);
  expect((await call(t.app, { method: 'POST', url: `/api/polls/${created.body.pollId}/open`, caller: organizer })).status).toBe(200);
  return created.body.pollId as string;
}

const refused = { status: 403, body: { code: 'poll.organization-only' } };

describe('email verification guards organization polls', () => {
  it('eve registers eve@acme.test and is refused until she proves the address with the mailed code', async () => {
    const boss = await verified('boss@acme.test', ['organizer']);
    const pollId = await organizationPoll(boss);

    const eve = await register('eve@ACME.test');
    expect(await me(eve)).toMatchObject({ email: 'eve@acme.test', emailVerified: false });
    expect(await getPoll(eve, pollId)).toMatchObject(refused);

    const requested = await requestCode(eve);
    expect(requested).toMatchObject({ status: 202, body: { email: 'eve@acme.test', expiresAt: expect.any(String) } });
    const mail = await smtp.next('eve@acme.test');
    expect(mail.raw).toMatch(/^From: polls@pollster\.test\r?$/m);
    expect(mail.raw).toMatch(/^Subject: Your Pollster verification code\r?$/m);
    const code = codeIn(mail.raw);

    const done = await verify(eve, code.replace(/^(\d{4})/, '$1 ')); // pasted with a space
    expect(done).toMatchObject({ status: 200, body: { emailVerified: true, email: 'eve@acme.test', verifiedAt: expect.any(String) } });
    expect(await me(eve)).toMatchObject({ emailVerified: true });
    const poll = await getPoll(eve, pollId);
    expect(poll.status).toBe(200);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: eve, payload: { answers: answersFor(poll.body) } })).status)
      .toBe(201);

    // The log says that the address was verified, never with what; the code is gone from its table.
    const events = await t.services.store.readStream(userStream(eve.userId));
    expect(events.at(-1)).toMatchObject({ type: 'EmailVerified', data: { userId: eve.userId, email: 'eve@acme.test' } });
    expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(code);
    const rows = await t.services.sql.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM email_verification_codes WHERE user_id = ${eve.userId}`);
    expect(rows).toBe(0);
    expect(await requestCode(eve)).toMatchObject({ status: 409, body: { code: 'user.email-already-verified' } });
    expect(await verify(eve, code)).toMatchObject({ status: 422, body: { code: 'email.code-missing' } });
  });

  it('someone who registered another person’s address cannot guess the code: 5 wrong tries burn it, then 30 s to the next', async () => {
    const boss = await verified('head@acme.test', ['organizer']);
    const pollId = await organizationPoll(boss);
    const mallory = await register('cfo@acme.test'); // not her mailbox: the code goes to the real cfo
    expect((await requestCode(mallory)).status).toBe(202);
    const realCode = codeIn((await smtp.next('cfo@acme.test')).raw);
    const wrong = realCode === '00000000' ? '11111111' : '00000000';

    for (let left = 4; left >= 1; left--) {
      expect(await verify(mallory, wrong)).toMatchObject({
        status: 422, body: { code: 'email.code-wrong', field: 'code', detail: expect.stringContaining(`${left} tr`) },
      });
    }
    expect(await verify(mallory, wrong)).toMatchObject({ status: 422, body: { code: 'email.code-burned' } });
    // Burned means burned: even the right digits are refused now.
    expect(await verify(mallory, realCode)).toMatchObject({ status: 422, body: { code: 'email.code-burned' } });
    expect(await me(mallory)).toMatchObject({ emailVerified: false });
    expect(await getPoll(mallory, pollId)).toMatchObject(refused);

    const again = await requestCode(mallory);
    expect(again).toMatchObject({ status: 429, body: { code: 'email.code-too-soon' } });
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(smtp.received.filter((m) => m.to.includes('cfo@acme.test'))).toHaveLength(1);

    // Half a minute later a new code goes to the mailbox, with five new tries for whoever reads it.
    advance(31_000);
    const fresh = await mailedCode(mallory);
    const guess = fresh === '00000000' ? '11111111' : '00000000';
    expect(await verify(mallory, guess)).toMatchObject({ status: 422, body: { code: 'email.code-wrong', detail: expect.stringContaining('4 tries left') } });
  });

  it('refuses an expired code, right digits or not', async () => {
    const late = await register('late@acme.test');
    const code = await mailedCode(late);
    advance(15 * 60_000 + 1_000);
    expect(await verify(late, code)).toMatchObject({ status: 422, body: { code: 'email.code-expired', field: 'code' } });
    expect(await me(late)).toMatchObject({ emailVerified: false });

    const fresh = await mailedCode(late); // more than 30 s later: a new code may be mailed
    expect((await verify(late, fresh)).status).toBe(200);
  });

  it('an unverified organizer (a spoofed ceo@acme.test) cannot lure verified acme members into its poll', async () => {
    const spoof = await register('ceo@acme.test', ['organizer']);
    const pollId = await organizationPoll(spoof);
    const member = await verified('staff@acme.test');
    expect(await getPoll(member, pollId)).toMatchObject(refused);
    const organizersView = await getPoll(spoof, pollId);
    expect(organizersView.status).toBe(200);
    expect(await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: member, payload: { answers: answersFor(organizersView.body) } }))
      .toMatchObject(refused);
    expect(await call(t.app, { method: 'GET', url: `/api/polls/${pollId}/results`, caller: member })).toMatchObject(refused);
    // The organizer and the roles that work across organizations still reach it.
    for (const role of ['admin', 'auditor', 'analyst', 'reviewer'] as const) {
      const { accessToken } = t.app.issueAccessToken({ userId: member.userId, roles: ['voter', role], tokenVersion: 0 });
      expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, headers: { authorization: `Bearer ${accessToken}` } })).status, role)
        .toBe(200);
    }
    // Once the real ceo... there is none: the spoofer cannot verify an address whose mail it does not read.
    expect(await verify(spoof, '12345678')).toMatchObject({ status: 422, body: { code: 'email.code-missing' } });
  });

  it('asks for a login on both operations', async () => {
    expect((await call(t.app, { method: 'POST', url: '/api/auth/email/verification' })).status).toBe(401);
    expect((await call(t.app, { method: 'POST', url: '/api/auth/email/verify', payload: { code: '12345678' } })).status).toBe(401);
  });
});
