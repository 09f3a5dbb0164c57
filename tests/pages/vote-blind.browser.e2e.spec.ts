import { createHash } from 'node:crypto';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_IDS } from '../../src/adapters/national-registry/sandbox/index.ts';
import { castWithCredential, requestCredential } from '../../src/client/blind-credential.ts';
import { call, callerWith, type Caller } from '../support/api-client.ts';
import { seedAccount, SEEDED_PASSWORD } from '../support/accounts.ts';
import { serviceUrls } from '../support/services.ts';
import { startEdgeApp, type EdgeTestApp } from '../live/support/edge-app.ts';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, openPage, PHONE, screenshot } from './support/browser.ts';

/**
 * The vote page's identity steps in Chromium at 390 px: a blind poll's credential (obtained signed
 * in, kept in the browser, cast and changed signed out) and a verified poll's national ID step.
 */
let t: EdgeTestApp;
let browser: Browser;
let organizer: Caller;
beforeAll(async () => {
  t = await startEdgeApp(serviceUrls.nats);
  browser = await launchChromium();
  organizer = await callerWith(t, 'organizer');
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function openPoll(settings: Record<string, unknown>) {
  const payload = {
    title: 'Board election',
    questions: [
      { text: 'Who should chair the board?', kind: 'single', options: [{ text: 'Ngozi' }, { text: 'Tomás' }, { text: 'Mei' }] },
      { text: 'How well did the board do?', kind: 'rating', scale: { min: 1, max: 5 } },
    ],
    settings: { visibility: 'public', showResultsBeforeClose: true, ...settings },
  };
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload });
  expect(created.status).toBe(201);
  expect((await call(t.app, { method: 'POST', url: `/api/polls/${created.body.pollId}/open`, caller: organizer })).status).toBe(200);
  return (await call(t.app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer })).body;
}

async function signIn(page: Page, email: string) {
  await page.waitForSelector('#sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(SEEDED_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Every API request the page sends, with all its headers (cookies included). */
function recordRequests(page: Page) {
  const sent: { method: string; path: string; headers: Record<string, string> }[] = [];
  const pending: Promise<void>[] = [];
  page.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/api/')) pending.push(request.allHeaders().then((headers) => { sent.push({ method: request.method(), path, headers }); }));
  });
  return async () => { await Promise.all(pending); return sent; };
}

const ballotStream = (pollId: string, message: string) =>
  `ballot-${pollId}-c.${createHash('sha256').update(Buffer.from(message, 'base64url')).digest('hex')}`;

describe('vote page, blind poll', () => {
  it('obtains the credential signed in, says this browser holds it, and casts later without the account', async () => {
    const poll = await openPoll({ voterPolicy: 'account', anonymous: true, anonymity: 'blind' });
    const { userId, email } = await seedAccount(t.services);
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl);
    // A cookie the browser would send with any same-origin request: the ballot requests must not carry it.
    await page.context().addCookies([{ name: 'session', value: 'would-name-the-voter', url: t.baseUrl }]);
    const requests = recordRequests(page);
    await page.goto(`${t.baseUrl}/v/${poll.slug}`);
    await signIn(page, email);
    await page.waitForSelector('#obtain');
    expect(await page.textContent('#key-fingerprint')).toBe(poll.credentialKey.fingerprint);
    expect(await page.isHidden('#ballot')).toBe(true);
    await expectAccessible(page, 'blind poll, before the credential');
    await screenshot(page, 'vote-blind-obtain-390');

    await page.getByRole('button', { name: 'Get my ballot credential' }).click();
    await page.waitForSelector('#credential h2:text("Your ballot credential is in this browser")');
    expect(await page.textContent('#credential')).toContain('Waiting, hours rather than seconds');
    await expectAccessible(page, 'blind poll, credential held');
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'vote-blind-held-390');
    await page.getByRole('button', { name: 'Cast later' }).click();
    expect(await page.textContent('#credential-status')).toContain('Come back to this page in this browser');
    expect(await page.isHidden('#ballot')).toBe(true);
    const issuance = await t.services.store.readStream(`credential-${poll.pollId}-${userId}`);
    expect(issuance.map((e) => e.type)).toEqual(['BallotCredentialIssued']);

    // Back later: the credential is still here, and the page asks nothing of the account.
    const before = (await requests()).length;
    await page.reload();
    await page.waitForSelector('#ballot:not([hidden])');
    expect(await page.isVisible('#sign-in')).toBe(false);
    const stored = await page.evaluate((id) => JSON.parse(localStorage.getItem(`pollster.credential.${id}`)!), poll.pollId);
    expect(stored.credential.fingerprint).toBe(poll.credentialKey.fingerprint);
    await page.getByLabel('Tomás').check();
    await page.getByLabel('4', { exact: true }).check();
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    await page.waitForSelector('#receipt:not([hidden])');
    expect(await page.textContent('#receipt-title')).toBe('Your vote is cast');
    await expectAccessible(page, 'blind poll, receipt');
    await screenshot(page, 'vote-blind-receipt-390');

    // The ballot's voter key is the credential's, and its request named no one.
    const [cast] = await t.services.store.readStream(ballotStream(poll.pollId, stored.credential.message));
    expect(cast).toMatchObject({ type: 'BallotCast', data: { voterKind: 'credential', credential: { message: stored.credential.message, signature: stored.credential.signature } } });
    expect(JSON.stringify(cast!.data)).not.toContain(userId);
    const afterReload = (await requests()).slice(before);
    const posted = afterReload.filter((r) => r.method === 'POST' && r.path === `/api/polls/${poll.pollId}/ballots`);
    expect(posted).toHaveLength(1);
    for (const r of afterReload) {
      expect(r.headers.authorization, `${r.method} ${r.path}`).toBeUndefined();
      expect(r.headers.cookie, `${r.method} ${r.path}`).toBeUndefined();
    }

    // Once more: the page remembers that this browser voted; this poll takes no change.
    const receipt = (await page.textContent('#receipt-code'))!.trim();
    await page.reload();
    await page.waitForSelector('#credential-status:text("You voted from this browser")');
    expect(await page.textContent('#credential-status code')).toBe(receipt);
    expect(await page.isHidden('#ballot')).toBe(true);
    expect(await page.getByRole('button', { name: 'Change my vote' }).count()).toBe(0);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });

  it('changes the vote with the credential this browser holds, and offers to remove it once the poll is closed', async () => {
    const poll = await openPoll({ voterPolicy: 'account', anonymous: true, anonymity: 'blind', allowChangeVote: true });
    const { userId } = await seedAccount(t.services);
    // A credential obtained and cast from this browser earlier, as the page keeps it (the client's own code, in Node).
    const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter'], tokenVersion: 0 });
    const credential = await requestCredential({ baseUrl: t.baseUrl, pollId: poll.pollId, accessToken, key: poll.credentialKey });
    const answers = [{ questionId: poll.questions[0].questionId, optionIds: [poll.questions[0].options[1].optionId] }, { questionId: poll.questions[1].questionId, rating: 4 }];
    const { receipt } = await castWithCredential({ baseUrl: t.baseUrl, pollId: poll.pollId, credential, answers });
    const { pollId, slug, title, questions, settings } = poll;
    const record = { credential, obtainedAt: new Date().toISOString(), poll: { pollId, slug, title, questions, settings, status: 'active' }, receipt, votedAt: new Date().toISOString() };
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl);
    await page.context().addCookies([{ name: 'session', value: 'would-name-the-voter', url: t.baseUrl }]);
    const requests = recordRequests(page);
    await page.goto(`${t.baseUrl}/`);
    await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [`pollster.credential.${poll.pollId}`, JSON.stringify(record)]);

    // Back to the vote page: it knows this browser voted, and changes the vote with the same credential.
    await page.goto(`${t.baseUrl}/v/${poll.slug}`);
    await page.waitForSelector('#credential-status:text("You voted from this browser")');
    expect(await page.isHidden('#ballot')).toBe(true);
    await page.getByRole('button', { name: 'Change my vote' }).click();
    await page.getByLabel('Mei').check();
    await page.getByLabel('2', { exact: true }).check();
    await page.getByRole('button', { name: 'Change my vote' }).click();
    await page.waitForSelector('#receipt:not([hidden])');
    expect(await page.textContent('#receipt-title')).toBe('Your vote is changed');
    const changed = (await requests()).filter((r) => r.method === 'PUT' && r.path === `/api/polls/${poll.pollId}/ballots/mine`);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.headers.authorization).toBeUndefined();
    expect(changed[0]!.headers.cookie).toBeUndefined();
    expect((await page.textContent('#receipt-code'))!.trim()).not.toBe(receipt);
    const events = await t.services.store.readStream(ballotStream(poll.pollId, credential.message));
    expect(events.map((e) => e.type)).toEqual(['BallotCast', 'BallotChanged']);
    await t.settled();
    const results = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body;
    expect(results.totalBallots).toBe(1);
    expect(results.questions[0].options.map((o: any) => [o.text, o.votes])).toEqual([['Ngozi', 0], ['Tomás', 0], ['Mei', 1]]);

    // Once the poll is closed, the page offers to remove the credential, which is of no use any more.
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer })).status).toBe(200);
    await page.reload();
    await page.getByRole('button', { name: 'Remove the credential from this browser' }).click();
    await page.waitForSelector('text=See the results');
    expect(await page.evaluate((id) => localStorage.getItem(`pollster.credential.${id}`), poll.pollId)).toBeNull();

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });

  it('refuses a key other than the one the link pins, and a second credential of the account, with plain messages', async () => {
    const poll = await openPoll({ voterPolicy: 'account', anonymous: true, anonymity: 'blind' });
    const { userId, email } = await seedAccount(t.services);
    // The account's one credential, obtained elsewhere (the CLI's code, in Node).
    const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter'], tokenVersion: 0 });
    await requestCredential({ baseUrl: t.baseUrl, pollId: poll.pollId, accessToken, key: poll.credentialKey });
    // The page's own policy enforced: the client module and blindrsa-ts load and run under `script-src 'self'`.
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl, PHONE, { enforceCSP: true });
    // A link that pins another key: the page refuses the poll's before sending anything.
    await page.goto(`${t.baseUrl}/v/${poll.slug}#fingerprint=${'0'.repeat(64)}`);
    await signIn(page, email);
    await page.getByRole('button', { name: 'Get my ballot credential' }).click();
    await page.waitForSelector('#credential-error:not([hidden])');
    expect(await page.textContent('#credential-error')).toContain(`is not the expected ${'0'.repeat(64)}`);
    await page.evaluate(() => (globalThis as any).history.replaceState(null, '', (globalThis as any).location.pathname));
    await page.reload();
    await page.getByRole('button', { name: 'Get my ballot credential' }).click();
    await page.waitForSelector('#credential-error:text("already obtained")');
    expect(await page.textContent('#credential-error')).toContain('You already obtained the credential for this poll');
    expect(await page.isHidden('#obtain')).toBe(true);
    expect(await page.isHidden('#ballot')).toBe(true);
    await screenshot(page, 'vote-blind-refused-390');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });
});
describe('the blind-credential modules', () => {
  it('are served as JavaScript from this server, and nothing else from their folders', async () => {
    for (const url of ['/assets/client/blind-credential.js', '/assets/client/credential-message.js', '/assets/vendor/blindrsa-ts/index.js', '/assets/vendor/blindrsa-ts/sjcl/index.js']) {
      const served = await t.app.inject({ method: 'GET', url });
      expect(served.statusCode, url).toBe(200);
      expect(served.headers['content-type'], url).toBe('text/javascript; charset=utf-8');
    }
    expect((await t.app.inject({ method: 'GET', url: '/assets/client/blind-credential.js' })).body).toContain("from '/assets/vendor/blindrsa-ts/index.js'");
    for (const url of ['/assets/client/blind-credential.ts', '/assets/client/cli.js', '/assets/vendor/blindrsa-ts/index.js.map', '/assets/vendor/blindrsa-ts/../../package.json']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });
});

describe('vote page, verified poll', () => {
  it('asks for the national ID after sign-in, shows the registry\'s refusal at the field, then lets the confirmed voter cast', async () => {
    const poll = await openPoll({ voterPolicy: 'verified' });
    const { userId, email } = await seedAccount(t.services);
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl);
    await page.goto(`${t.baseUrl}/v/${poll.slug}`);
    expect(await page.textContent('#sign-in')).toContain('confirmed national ID');
    await signIn(page, email);
    await page.waitForSelector('#national-id');
    expect(await page.isHidden('#ballot')).toBe(true);
    await page.getByLabel('National ID number').fill(SANDBOX_IDS.badCheckDigit);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForSelector('#national-id-error:not([hidden])');
    expect(await page.textContent('#national-id-error')).toMatch(/check digit|national id/i);
    expect(await page.getAttribute('#national-id-input', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('national-id-input');
    await page.getByLabel('National ID number').fill(SANDBOX_IDS.unknown);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForSelector('#national-id-error:text-matches("registry|not found|unknown", "i")');
    await expectAccessible(page, 'national ID step with an error');
    await screenshot(page, 'vote-national-id-390');
    await page.getByLabel('National ID number').fill(SANDBOX_IDS.active);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForSelector('#ballot:not([hidden])');
    expect(await page.isVisible('#national-id')).toBe(false);
    const token = await page.evaluate(() => localStorage.getItem('pollster.accessToken'));
    const me = await call(t.app, { method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.body).toMatchObject({ userId, nationalIdVerified: true, fullName: 'Amina Wanjiru Otieno' });
    await page.getByLabel('Ngozi').check();
    await page.getByLabel('5', { exact: true }).check();
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    await page.waitForSelector('#receipt:not([hidden])');
    await expectAccessible(page, 'verified poll, receipt');
    const [cast] = await t.services.store.readStream(`ballot-${poll.pollId}-u.${userId}`);
    expect(cast?.type).toBe('BallotCast');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });
});
