import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { serviceUrls } from '../support/services.ts';
import { castBallots } from '../live/support/ballots.ts';
import { startEdgeApp, type EdgeTestApp } from '../live/support/edge-app.ts';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, openPage, PHONE, screenshot, SCREEN } from './support/browser.ts';

/**
 * The presenter view on a 1920×1080 screen, following a poll live over the real NATS bus: its
 * numbers must equal getResults, it must never show review queue numbers, and it may say
 * "Winner" only once the poll is closed.
 */
let t: EdgeTestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startEdgeApp(serviceUrls.nats, { throttleMs: 200 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('presenter view', () => {
  it('shows how to join (address, code, QR), follows 50 ballots live to getResults\' numbers, no review counts, "Winner" only once closed', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl, SCREEN);
    await page.goto(`${t.baseUrl}/p/${poll.slug}`);
    expect((await page.textContent('#join-code'))!.replace(/\s/g, '')).toBe(poll.joinCode);
    expect(await page.textContent('.join-url')).toContain('/j');
    expect(await page.locator('.qr svg path').count()).toBeGreaterThan(0);
    expect(await page.getAttribute('.qr', 'aria-label')).toBe(`QR code for ${t.baseUrl}/j/${poll.joinCode}`);
    await page.waitForSelector('#connection[data-state="live"]');

    // One ballot flagged by a reviewer: counted as pending review by getResults, never shown here.
    const voter = await callerWith(t);
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    const reviewer = await callerWith(t, 'reviewer');
    await t.settled(); // flagBallot finds the ballot in the read model
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${cast.body.ballotId}/flags`, caller: reviewer, payload: { reason: 'looks odd' } })).status).toBe(201);
    await castBallots(t, poll, 49, { from: 1 });
    await t.settled();
    const results = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results`, caller: organizer })).body;
    expect(results.totalBallots).toBe(50);
    expect(results.flaggedPending).toBe(1);
    await page.waitForSelector('#total-ballots[data-total="50"]', { timeout: 10_000 });

    for (const q of results.questions) {
      const shown = await page.$$eval(`#q-${q.questionId} li.bar`, (items) => items.map((li: any) => ({ id: li.dataset.optionId as string, votes: Number(li.dataset.votes) })));
      const expected = q.kind === 'rating'
        ? Object.entries(q.distribution).map(([id, votes]) => ({ id, votes }))
        : q.kind === 'ranked'
          ? q.options.map((o: any) => ({ id: o.optionId, votes: q.rounds.at(-1).tallies[o.optionId] ?? 0 }))
          : q.options.map((o: any) => ({ id: o.optionId, votes: o.votes }));
      expect(shown, q.kind).toEqual(expected);
      if (q.kind === 'rating') expect(await page.textContent(`#avg-${q.questionId}`)).toBe(`Average ${q.average}`);
      if (q.kind === 'ranked') expect(await page.textContent(`#round-${q.questionId}`)).toContain(`round ${q.rounds.length} of ${q.rounds.length}`);
      if (q.kind === 'single') {
        const top = Math.max(...q.options.map((o: any) => o.votes));
        const leading = await page.$$eval(`#q-${q.questionId} li.bar.leading`, (items) => items.map((li: any) => li.dataset.optionId));
        expect(leading).toEqual(q.options.filter((o: any) => o.votes === top).map((o: any) => o.optionId));
      }
    }
    const text = (await page.textContent('body'))!;
    expect(text).not.toMatch(/review|flagged/i);
    expect(text).toContain('Leading');
    expect(text).not.toContain('Winner');
    await page.waitForTimeout(700); // the bars' 0.6 s slide
    await expectAccessible(page, 'presenter view');
    await screenshot(page, 'presenter-1920');

    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'presenter-390');

    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer })).status).toBe(200);
    await expect.poll(() => page.textContent('body'), { timeout: 10_000 }).toContain('Winner');
    expect(await page.textContent('body')).not.toContain('Leading');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
  });

  it('is a 404 page for an unknown poll', async () => {
    const response = await fetch(`${t.baseUrl}/p/no-such-poll-000000`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
