import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, openedPoll } from '../support/api-client.ts';
import { launchChromium } from '../pages/support/browser.ts';
import { serviceUrls } from '../support/services.ts';
import { castBallots } from './support/ballots.ts';
import { startEdgeApp, type EdgeTestApp } from './support/edge-app.ts';

/**
 * The live results page in a real headless Chromium (Debian package `chromium`), against the app
 * on a real port with the real NATS bus: ballots cast through the API must show up on the page.
 */

let t: EdgeTestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startEdgeApp(serviceUrls.nats, { throttleMs: 300 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('live results page', () => {
  it('shows the results and follows them live as ballots arrive', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    await castBallots(t, poll, 3);
    const token = organizer.headers.authorization!.slice('Bearer '.length);
    const page = await browser.newPage({ viewport: { width: 360, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // By slug, as a shared link would be; the organizer's token lets the page show the ballot rate.
    await page.goto(`${t.baseUrl}/polls/${poll.slug}#access_token=${token}`);
    await expect.poll(() => page.textContent('#title')).toBe(poll.title);
    await page.waitForSelector('#connection[data-state="live"]');
    await page.waitForSelector('#total-ballots[data-total="3"]');

    await castBallots(t, poll, 57, { from: 3 });
    await t.settled();
    const results = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results`, caller: organizer })).body;
    expect(results.totalBallots).toBe(60);
    await page.waitForSelector('#total-ballots[data-total="60"]', { timeout: 10_000 });
    for (const question of results.questions) {
      const shown = await page.$$eval(`#q-${question.questionId} li.option`, (items) =>
        items.map((li: any) => ({ id: li.dataset.optionId as string, votes: Number(li.dataset.votes ?? 0) })),
      );
      const expected =
        question.kind === 'rating'
          ? Object.entries(question.distribution).map(([value, votes]) => ({ id: value, votes }))
          : question.options.map((o: any) => ({ id: o.optionId, votes: o.votes }));
      expect(shown).toEqual(expected);
      if (question.kind === 'ranked') expect(await page.locator(`#rounds-${question.questionId} table`).count()).toBe(1);
    }
    await expect.poll(() => page.isVisible('#rate'), { timeout: 5_000 }).toBe(true);
    expect(await page.getAttribute('#totals', 'aria-live')).toBe('polite');
    // 360 px wide: nothing overflows sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    // Let the bars finish their 0.4 s transition before the picture.
    await page.waitForTimeout(600);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/live-page.png', fullPage: true });
    expect(errors).toEqual([]);
  });

  it('shows an anonymous viewer the rate chart and "Leading", never the review queue; "Winner" once closed', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    await castBallots(t, poll, 4);
    const ballots = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/audit/events`, caller: await callerWith(t, 'auditor') })).body;
    const ballotId = ballots.items.find((e: any) => e.type === 'BallotCast')?.data.ballotId;
    expect(ballotId).toEqual(expect.any(String));
    const reviewer = await callerWith(t, 'reviewer');
    await t.settled(); // flagBallot finds the ballot in the read model
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${ballotId}/flags`, caller: reviewer, payload: { reason: 'looks odd' } })).status).toBe(201);
    await t.settled();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${t.baseUrl}/polls/${poll.slug}`);
    await page.waitForSelector('#connection[data-state="live"]');
    await page.waitForSelector('#total-ballots[data-total="4"]');
    await castBallots(t, poll, 2, { from: 4 });
    await page.waitForSelector('#total-ballots[data-total="6"]', { timeout: 10_000 });
    expect(await page.isVisible('#rate')).toBe(true);
    expect(await page.getAttribute('#rate-chart', 'aria-label')).toMatch(/this minute: [12],/); // 2, or 1 if a minute turned between the two
    expect(await page.textContent('body')).not.toMatch(/review/i);
    const ranked = poll.questions[2].questionId;
    expect(await page.textContent(`#rounds-${ranked} caption`)).toMatch(/Leading|Nobody leads/);
    expect(await page.textContent('body')).not.toContain('Winner');
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer })).status).toBe(200);
    await expect.poll(() => page.textContent(`#rounds-${ranked} caption`), { timeout: 10_000 }).toMatch(/Winner|No winner/);
    // Staff see the queue on their own view: the organizer's token shows the count.
    const staff = await browser.newPage();
    await staff.goto(`${t.baseUrl}/polls/${poll.slug}#access_token=${organizer.headers.authorization!.slice('Bearer '.length)}`);
    await expect.poll(() => staff.textContent('#flagged'), { timeout: 10_000 }).toBe('(1 pending review)');
    await page.close();
    await staff.close();
  });

  it('says so when the poll hides its results until it closes, and hides the rate chart from viewers who may not see it', async () => {
    const poll = await openedPoll(t.app, await callerWith(t, 'organizer'), { showResultsBeforeClose: false });
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/polls/${poll.pollId}`);
    await expect.poll(() => page.textContent('#notice')).toContain('once it closes');
    expect(await page.isVisible('#rate')).toBe(false);
    expect(await page.getAttribute('#connection', 'data-state')).toBe('closed');
  });
});
