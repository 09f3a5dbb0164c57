import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, type Caller } from '../support/api-client.ts';
import { seedAccount, SEEDED_PASSWORD } from '../support/accounts.ts';
import { serviceUrls } from '../support/services.ts';
import { startEdgeApp, type EdgeTestApp } from '../live/support/edge-app.ts';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, openPage, screenshot, SCREEN } from './support/browser.ts';

/**
 * The vote page in a real Chromium at phone width (390×844), against the whole app on a real
 * port: join by code, every question kind, the voter policies, errors at their question, receipts.
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

const POLL = (settings: Record<string, unknown>) => ({
  title: 'Team offsite',
  description: 'Help us plan the spring offsite.',
  questions: [
    { text: 'Where shall we go?', kind: 'single', options: [{ text: 'Lake' }, { text: 'Mountains' }, { text: 'City' }] },
    { text: 'Which activities?', kind: 'multiple', maxChoices: 2, options: [{ text: 'Hiking' }, { text: 'Cooking' }, { text: 'Kayak' }] },
    { text: 'Rank the dates', kind: 'ranked', options: [{ text: 'March' }, { text: 'April' }, { text: 'May' }] },
    { text: 'How was last year?', kind: 'rating', scale: { min: 1, max: 5 } },
  ],
  settings: { visibility: 'public', showResultsBeforeClose: true, ...settings },
});

async function openPoll(settings: Record<string, unknown>) {
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: POLL(settings) });
  expect(created.status).toBe(201);
  const opened = await call(t.app, { method: 'POST', url: `/api/polls/${created.body.pollId}/open`, caller: organizer });
  expect(opened.status).toBe(200);
  return (await call(t.app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer })).body;
}

/** Answers every question the way a voter would: clicks, and the keyboard alone for the ranking. */
async function answerAll(page: Page, poll: any) {
  const [single, multiple, ranked, rating] = poll.questions;
  await page.getByLabel('Mountains').check();
  await page.getByLabel('Hiking').check();
  await page.getByLabel('Kayak').check();
  // At the maximum (2), the third box cannot be ticked.
  expect(await page.getByLabel('Cooking').isDisabled()).toBe(true);
  // May to the top by keyboard: focus its "up" button and press Enter twice (the focus stays on May,
  // on "down" once "up" is disabled), then Space on March's "down": May, April, March.
  await page.getByRole('button', { name: 'Move May up' }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('aria-label'))).toBe('Move May down');
  await page.getByRole('button', { name: 'Move March down' }).focus();
  await page.keyboard.press('Space');
  await page.getByLabel('4', { exact: true }).check();
  return {
    [single.questionId]: { optionIds: [single.options[1].optionId] },
    [multiple.questionId]: { optionIds: [multiple.options[0].optionId, multiple.options[2].optionId] },
    [ranked.questionId]: { ranking: [ranked.options[2].optionId, ranked.options[1].optionId, ranked.options[0].optionId] },
    [rating.questionId]: { rating: 4 },
  };
}

async function expectReceipt(page: Page) {
  await page.waitForSelector('#receipt:not([hidden])');
  const receipt = (await page.textContent('#receipt-code'))!.trim();
  expect((await call(t.app, { method: 'GET', url: `/api/receipts/${encodeURIComponent(receipt)}` })).body).toMatchObject({ included: true });
  await page.getByRole('button', { name: 'Check my receipt now' }).click();
  await page.waitForSelector('#receipt-check[data-included="true"]');
  return receipt;
}

describe('vote page', () => {
  it('joins by code at /j, answers all four kinds (ranking by keyboard), casts and shows a receipt that checkReceipt confirms', async () => {
    const poll = await openPoll({ voterPolicy: 'open' });
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl);
    await page.goto(`${t.baseUrl}/j`);
    await expectAccessible(page, 'join page');
    await screenshot(page, 'join-390');
    await page.getByLabel('Join code').fill(poll.joinCode);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.baseUrl}/v/${poll.slug}`);
    await expect.poll(() => page.textContent('#title')).toBe('Team offsite');
    expect(await page.textContent('#description')).toBe('Help us plan the spring offsite.');
    await page.waitForSelector('#ballot:not([hidden])', { timeout: 5000 }).catch(() => { throw new Error(`no ballot: ${errors.join('; ')}`); });
    expect(await page.locator('input[type=radio][name^="q-"]').count()).toBe(3 + 5);
    const expected = await answerAll(page, poll);
    expect(await page.$$eval('.ranking .rank-text', (items) => items.map((i) => i.textContent))).toEqual(['May', 'April', 'March']);
    await expectAccessible(page, 'vote page, answered');
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'vote-390');
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    await expectReceipt(page);
    await expectAccessible(page, 'vote page, receipt');
    await screenshot(page, 'receipt-390');
    // The ballot counted is the one on the screen.
    await t.settled();
    const results = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body;
    expect(results.totalBallots).toBe(1);
    for (const q of results.questions) {
      const want = expected[q.questionId]!;
      if ('rating' in want) expect(q.average).toBe(4);
      else if ('ranking' in want) expect(q.rounds[0].tallies[want.ranking![0]!]).toBe(1);
      else for (const o of q.options) expect(o.votes).toBe(want.optionIds.includes(o.optionId) ? 1 : 0);
    }
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });

  it('takes the vote token from the link, shows the API\'s error at the question it names, then casts', async () => {
    const poll = await openPoll({ voterPolicy: 'token' });
    const issued = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count: 1 } });
    const [token] = issued.body.tokens;
    const { page, errors, close } = await openPage(browser, t.baseUrl);
    await page.goto(`${t.baseUrl}/v/${poll.joinCode}#token=${token}`);
    await page.waitForSelector('#vote-token', { timeout: 5000 }).catch(() => { throw new Error(`no token box: ${errors.join('; ')}`); });
    expect(await page.inputValue('#vote-token')).toBe(token);
    await page.getByLabel('City').check();
    await page.getByLabel('3', { exact: true }).check();
    // No activity ticked: the API answers 422 for answers[1].optionIds, shown at that question.
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    const multiple = poll.questions[1].questionId;
    await page.waitForSelector(`#err-${multiple}:not([hidden])`);
    expect(await page.textContent(`#err-${multiple}`)).toContain('choose 1 to 2 options');
    expect(await page.getAttribute(`#q-${multiple}`, 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.closest('fieldset')?.id)).toBe(`q-${multiple}`);
    await expectAccessible(page, 'vote page with an error');
    await screenshot(page, 'vote-error-390');
    await page.getByLabel('Cooking').check();
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    await expectReceipt(page);
    expect(errors).toEqual([]);
    await close();
  });

  it('asks an account poll\'s voter to sign in, and lets them change their vote where the poll allows it', async () => {
    const poll = await openPoll({ voterPolicy: 'account', allowChangeVote: true });
    const { email } = await seedAccount(t.services);
    const { page, errors, close } = await openPage(browser, t.baseUrl, SCREEN);
    await page.goto(`${t.baseUrl}/v/${poll.slug}`);
    await page.waitForSelector('#sign-in');
    expect(await page.isHidden('#ballot')).toBe(true);
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(SEEDED_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#ballot:not([hidden])');
    await answerAll(page, poll);
    await screenshot(page, 'vote-1920');
    await page.getByRole('button', { name: 'Cast my vote' }).click();
    const first = await expectReceipt(page);
    await page.getByRole('button', { name: 'Change my vote' }).click();
    await page.getByLabel('Lake').check();
    await page.getByRole('button', { name: 'Change my vote' }).click();
    await page.waitForSelector('#receipt:not([hidden])');
    expect(await page.textContent('#receipt-title')).toBe('Your vote is changed');
    expect((await page.textContent('#receipt-code'))!.trim()).not.toBe(first);
    await t.settled();
    const results = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body;
    expect(results.totalBallots).toBe(1);
    expect(results.questions[0].options.find((o: any) => o.text === 'Lake').votes).toBe(1);
    expect(errors).toEqual([]);
    await close();
  });
});
