import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAUD_SETTINGS } from '../../src/commands/fraud/settings.ts';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { launchChromium, openPage, screenshot } from './support/browser.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * A voter from a network past the velocity limit: castBallot answers 428, and the vote page solves
 * the challenge with the ALTCHA widget in a web worker, the voter doing nothing but wait; the
 * ballot lands, flagged for review.
 */
let t: TestApp;
let baseUrl: string;
let browser: Browser;
beforeAll(async () => {
  t = await createTestApp({}, undefined, { settings: { ...DEFAULT_FRAUD_SETTINGS, challengeMaxNumber: 20_000 } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('vote page under the fraud screen', () => {
  it('solves a 428 challenge without the voter doing anything, and the ballot lands flagged', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token', fraudVelocityLimit: 2 });
    const { tokens } = (await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count: 4 } })).body;
    // Three ballots from this network (127.0.0.0/24) already: the third was flagged, the next is challenged.
    for (const voteToken of tokens.slice(0, 3)) {
      const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll), voteToken } });
      expect(cast.status).toBe(201);
    }
    const { page, errors, foreign, close } = await openPage(browser, baseUrl);
    const challenged: number[] = [];
    const loaded: string[] = [];
    page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    page.on('response', (r) => { if (r.url().endsWith('/ballots') && r.request().method() === 'POST') challenged.push(r.status()); });
    await page.goto(`${baseUrl}/v/${poll.joinCode}#token=${tokens[3]}`);
    await page.getByLabel('Sushi').check();
    await page.getByLabel('Tue').check();
    await page.getByLabel('5', { exact: true }).check();
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    await page.waitForSelector('#receipt:not([hidden])', { timeout: 25_000 });
    expect(challenged).toEqual([428, 201]);
    // Solved by the ALTCHA widget and its worker, served by Pollster (not the page's fallback worker).
    expect(loaded).toEqual(expect.arrayContaining(['/assets/vendor/altcha.js', '/assets/vendor/altcha-sha-worker.js', '/api/challenge']));
    expect(loaded).not.toContain('/assets/pages/challenge-worker.js');
    await screenshot(page, 'receipt-after-challenge-390');
    const receipt = (await page.textContent('#receipt-code'))!.trim();
    expect((await call(t.app, { method: 'GET', url: `/api/receipts/${encodeURIComponent(receipt)}` })).body).toMatchObject({ included: true });
    await t.services.readModelsAt(await committedHead(t.services));
    const flags = (await call(t.app, { method: 'GET', url: `/api/review/flags?pollId=${poll.pollId}&status=pending`, caller: await callerWith(t, 'reviewer') })).body;
    expect(flags.items.length).toBe(2);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  }, 60_000);
});
