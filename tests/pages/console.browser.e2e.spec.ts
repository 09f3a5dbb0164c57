import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/user/roles.ts';
import { seedAccount, SEEDED_PASSWORD } from '../support/accounts.ts';
import { answersFor, call, callerWith, type Caller } from '../support/api-client.ts';
import { serviceUrls } from '../support/services.ts';
import { startEdgeApp, type EdgeTestApp } from '../live/support/edge-app.ts';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, openPage, screenshot, SCREEN } from './support/browser.ts';

/**
 * The organiser console at /o in a real Chromium, at phone width (390×844) and on a desktop
 * screen, against the whole app on a real port: the form makes every question kind, the poll is
 * run from the page, vote tokens become working personal links (CSV and QR sheet), API errors
 * land at their field, and an account without the organizer role is told so.
 */
let t: EdgeTestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startEdgeApp(serviceUrls.nats);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Signed in without the form (the first test signs in through it): the token the page keeps. */
async function signedIn(page: Page, roles: Role[]) {
  const { userId } = await seedAccount(t.services, roles);
  const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter', ...roles], tokenVersion: 0 });
  await page.addInitScript((token) => localStorage.setItem('pollster.accessToken', token), accessToken);
  return { userId, caller: { userId, headers: { authorization: `Bearer ${accessToken}` } } satisfies Caller };
}

/** Fills question `n` (1-based) of the create form, adding it first when it is not the first. */
async function question(page: Page, n: number, text: string, kind: string, fill: { options?: string[]; max?: number; scale?: [number, number] } = {}) {
  if (n > 1) await page.getByRole('button', { name: 'Add a question' }).click();
  const box = page.locator('#question-list > fieldset').nth(n - 1);
  await box.getByLabel('Question', { exact: true }).fill(text);
  await box.getByLabel('Kind').selectOption(kind);
  if (fill.options) await box.getByLabel('Options, one per line').fill(fill.options.join('\n'));
  if (fill.max !== undefined) await box.getByLabel('Most choices a voter may tick').fill(String(fill.max));
  if (fill.scale) {
    await box.getByLabel('Lowest').fill(String(fill.scale[0]));
    await box.getByLabel('Highest').fill(String(fill.scale[1]));
  }
}

async function pollOnPage(page: Page, caller: Caller) {
  await page.waitForSelector('#poll-view:not([hidden]) #poll-status:not(:empty)');
  const pollId = /poll=([0-9a-f-]+)/.exec(page.url())![1]!;
  return (await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller })).body;
}

describe('organiser console', () => {
  it('signs in, creates a poll of every kind with the form, opens it, copies the join code, opens the presenter view, shows results and the review count, closes it', async () => {
    const { email } = await seedAccount(t.services, ['organizer']);
    const { page, errors, foreign, close } = await openPage(browser, t.baseUrl);
    await page.goto(`${t.baseUrl}/o`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await expectAccessible(page, 'console sign-in');
    await page.locator('#sign-in').getByLabel('Email').fill(email);
    await page.locator('#sign-in').getByLabel('Password').fill(SEEDED_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#no-polls:not([hidden])');
    expect(await page.textContent('#who')).toContain(email);

    await page.getByRole('link', { name: 'New poll' }).click();
    await page.getByLabel('Title').fill('Team offsite');
    await page.getByLabel('Description (optional)').fill('Help us plan the spring offsite.');
    await question(page, 1, 'Where shall we go?', 'single', { options: ['Lake', 'Mountains', 'City'] });
    await question(page, 2, 'Which activities?', 'multiple', { options: ['Hiking', 'Cooking', 'Kayak'], max: 2 });
    await question(page, 3, 'Rank the dates', 'ranked', { options: ['March', 'April', 'May'] });
    await question(page, 4, 'How was last year?', 'rating', { scale: [0, 10] });
    await page.getByLabel('Voters may change their vote').check();
    await page.getByLabel('Who may find the poll').selectOption('private');
    // Each kind shows its own inputs only.
    const boxes = page.locator('#question-list > fieldset');
    expect(await boxes.nth(0).getByLabel('Lowest').isVisible()).toBe(false);
    expect(await boxes.nth(1).getByLabel('Most choices a voter may tick').isVisible()).toBe(true);
    expect(await boxes.nth(3).getByLabel('Options, one per line').isVisible()).toBe(false);
    expect(await boxes.nth(3).getByLabel('Lowest').isVisible()).toBe(true);
    await expectAccessible(page, 'console create form');
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'console-create-390');
    await page.getByRole('button', { name: 'Create the poll' }).click();

    const organizer = await callerWith(t, 'admin');
    let poll = await pollOnPage(page, organizer);
    expect(poll.title).toBe('Team offsite');
    expect(poll.description).toBe('Help us plan the spring offsite.');
    expect(poll.questions.map((q: any) => [q.kind, q.text, q.options?.map((o: any) => o.text) ?? q.scale, q.maxChoices])).toEqual([
      ['single', 'Where shall we go?', ['Lake', 'Mountains', 'City'], undefined],
      ['multiple', 'Which activities?', ['Hiking', 'Cooking', 'Kayak'], 2],
      ['ranked', 'Rank the dates', ['March', 'April', 'May'], undefined],
      ['rating', 'How was last year?', { min: 0, max: 10 }, undefined],
    ]);
    expect(poll.settings).toMatchObject({ voterPolicy: 'account', anonymous: false, allowChangeVote: true, visibility: 'private', showResultsBeforeClose: true });
    expect(await page.textContent('#poll-status')).toBe('Draft');

    await page.getByRole('button', { name: 'Open the poll' }).click();
    await page.waitForSelector('#join-panel:not([hidden])');
    poll = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}`, caller: organizer })).body;
    expect(poll.status).toBe('active');
    expect(await page.textContent('#join-code')).toBe(poll.joinCode);
    await expect.poll(() => page.textContent('#status')).toContain(poll.joinCode);

    // The clipboard, then its fallback where the browser refuses it.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.baseUrl });
    await page.getByRole('button', { name: 'Copy the join code' }).click();
    await expect.poll(() => page.textContent('#status')).toBe(`Join code ${poll.joinCode} copied.`);
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(poll.joinCode);
    await page.evaluate(() => { (globalThis as any).navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); });
    await page.getByRole('button', { name: 'Copy the join code' }).click();
    await page.waitForSelector('#copy-fallback:not([hidden])');
    expect(await page.inputValue('#copy-fallback-input')).toBe(poll.joinCode);
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('copy-fallback-input');

    // A voter joins by the code; a reviewer flags the ballot: one counted, one awaiting review.
    const voter = await callerWith(t);
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(cast.status).toBe(201);
    await t.settled();
    const reviewer = await callerWith(t, 'reviewer');
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${cast.body.ballotId}/flags`, caller: reviewer, payload: { reason: 'looks odd' } })).status).toBe(201);
    await t.settled();
    await page.getByRole('button', { name: 'Refresh' }).click();
    // The page also reads the results every 5 s: wait for the drawing that includes the flag.
    await expect.poll(() => page.textContent('#flagged-pending')).toBe('1');
    expect(await page.textContent('#total-ballots')).toBe('1 ballot');
    expect(await page.locator('.results-question').count()).toBe(4);
    expect(await page.textContent('.results-question:first-child tbody tr:first-child')).toContain('Lake1100%');
    await expectAccessible(page, 'console poll view');
    await expectNoSidewaysScroll(page);
    await screenshot(page, 'console-poll-390');

    const [presenter] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Presenter view' }).click()]);
    await presenter.waitForLoadState();
    expect(new URL(presenter.url()).pathname).toBe(`/p/${poll.slug}`);
    expect((await presenter.textContent('#join-code'))!.replace(/\s/g, '')).toBe(poll.joinCode);
    await presenter.close();

    await page.getByRole('button', { name: 'Close the poll…' }).click();
    await page.getByRole('button', { name: 'Close it now' }).click();
    await expect.poll(() => page.textContent('#poll-status')).toBe('Closed');
    expect(await page.isHidden('#join-panel')).toBe(true);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}`, caller: organizer })).body.status).toBe('closed');

    await page.getByRole('link', { name: '← My polls' }).first().click();
    await page.waitForSelector('#poll-list li');
    expect(await page.textContent('#poll-list')).toContain('Team offsite');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await close();
    // One organiser's whole session (a sign-in, three accessibility scans, two read model waits):
    // longer than one step of it, as the challenge test's proof of work is.
  }, 45_000);

  it('issues vote tokens, downloads them as CSV personal links that work (the title neutralised), and as a printable QR sheet', async () => {
    const { page, errors, close } = await openPage(browser, t.baseUrl, SCREEN);
    const { caller: organizer } = await signedIn(page, ['organizer']);
    await page.goto(`${t.baseUrl}/o#new`);
    const title = '=HYPERLINK("http://evil.test","Lunch")';
    await page.getByLabel('Title').fill(title);
    await question(page, 1, 'Rate the venue', 'rating');
    await page.getByRole('radio', { name: 'Vote tokens' }).check();
    await page.getByRole('button', { name: 'Create the poll' }).click();
    const poll = await pollOnPage(page, organizer);
    expect(poll.settings.voterPolicy).toBe('token');
    await page.getByRole('button', { name: 'Open the poll' }).click();
    await page.waitForSelector('#join-panel:not([hidden])');

    await page.getByLabel('How many').fill('3');
    await page.getByRole('button', { name: 'Issue tokens' }).click();
    await page.waitForSelector('#issued:not([hidden])');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the links (CSV)' }).click()]);
    expect(download.suggestedFilename()).toBe(`${poll.slug}-vote-links.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('poll,number,link');
    expect(lines).toHaveLength(4);
    const links: string[] = [];
    for (const [i, line] of lines.slice(1).entries()) {
      // The title a spreadsheet would run as a formula starts with a quote, inside RFC 4180 quoting.
      const prefix = `"'=HYPERLINK(""http://evil.test"",""Lunch"")",${i + 1},`;
      expect(line.startsWith(prefix), line).toBe(true);
      links.push(line.slice(prefix.length));
    }
    for (const link of links) expect(link).toMatch(new RegExp(`^${t.baseUrl}/v/${poll.slug}#token=[A-Za-z0-9_-]{22}$`));

    // The sheet: one QR code per token, holding the same link.
    await page.getByRole('button', { name: 'Printable QR sheet' }).click();
    await page.waitForSelector('#sheet:not([hidden]) .qr-card');
    expect(await page.locator('.qr-card svg path').count()).toBeGreaterThan(0);
    expect(await page.$$eval('.qr-token code', (codes) => codes.map((c) => c.textContent))).toEqual(links.map((l) => l.split('#token=')[1]));
    expect(await page.textContent('#sheet-title')).toBe(`Vote links: ${title}`);
    await expectAccessible(page, 'QR sheet');
    await screenshot(page, 'console-qr-sheet-1920');
    await page.emulateMedia({ media: 'print' });
    // On paper, the sheet alone.
    expect(await page.isVisible('.console-top')).toBe(false);
    expect(await page.isVisible('.qr-card')).toBe(true);
    await screenshot(page, 'console-qr-sheet-print');
    await page.emulateMedia({ media: 'screen' });

    // A personal link opens the vote page with its token in place, and votes.
    const voterPage = await page.context().newPage();
    await voterPage.goto(links[0]!);
    await voterPage.waitForSelector('#vote-token');
    expect(await voterPage.inputValue('#vote-token')).toBe(links[0]!.split('#token=')[1]);
    await voterPage.getByLabel('4', { exact: true }).check();
    await voterPage.getByRole('button', { name: 'Cast my vote' }).click();
    await voterPage.waitForSelector('#receipt:not([hidden])');
    await voterPage.close();

    // The formatting routes answer the poll's organiser only, and print nothing but token-shaped text.
    const sheetOf = (caller: Caller | undefined, tokens: string[]) =>
      call(t.app, { method: 'POST', url: `/o/polls/${poll.pollId}/qr-sheet`, caller, payload: { tokens } });
    expect((await sheetOf(undefined, ['A'.repeat(22)])).status).toBe(401);
    expect((await sheetOf(await callerWith(t, 'organizer'), ['A'.repeat(22)])).status).toBe(403);
    expect((await sheetOf(organizer, ['"><script>alert(1)</script>'])).status).toBe(422);
    expect(errors).toEqual([]);
    await close();
  });

  it('shows an API error at the field its problem names', async () => {
    const { page, errors, close } = await openPage(browser, t.baseUrl);
    await signedIn(page, ['organizer']);
    await page.goto(`${t.baseUrl}/o#new`);
    await question(page, 1, 'Which days?', 'multiple', { options: ['Mon', 'Tue'], max: 3 });
    // No title: the schema's `body.title`.
    await page.getByRole('button', { name: 'Create the poll' }).click();
    await page.waitForSelector('#poll-title-error:not([hidden])');
    expect(await page.getAttribute('[data-field="title"]', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('poll-title');
    // At most 2 of 2 options: the domain's `questions[0].maxChoices`.
    await page.getByLabel('Title').fill('Days');
    await page.getByRole('button', { name: 'Create the poll' }).click();
    const max = page.locator('[data-field="questions[0].maxChoices"]');
    await max.locator('.error:not([hidden])').waitFor();
    expect(await max.locator('.error').textContent()).toContain('maxChoices must be an integer from 1 to 2');
    expect(await max.getAttribute('aria-invalid')).toBe('true');
    expect(await page.isHidden('#poll-title-error')).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.closest('[data-field]')?.getAttribute('data-field'))).toBe('questions[0].maxChoices');
    await expectAccessible(page, 'create form with an error');
    await screenshot(page, 'console-error-390');
    expect(errors).toEqual([]);
    await close();
  });

  it('creates an account from the sign-in form, and tells it (not the first account, so a voter) that it needs the organizer role', async () => {
    const { page, errors, close } = await openPage(browser, t.baseUrl);
    await page.goto(`${t.baseUrl}/o`);
    await page.getByRole('button', { name: 'Create one' }).click();
    await page.getByLabel('Your name').fill('Vera');
    const form = page.locator('#register');
    await form.getByLabel('Email').fill('not an address');
    await form.getByLabel('Password').fill('long enough password');
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.waitForSelector('#reg-email-error:not([hidden])');
    expect(await page.getAttribute('[data-field="email"]', 'aria-invalid')).toBe('true');
    await expectAccessible(page, 'account form with an error');
    const email = `vera-${Date.now()}@example.org`;
    await form.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.waitForSelector('#no-role:not([hidden])');
    expect(await page.getByRole('heading', { name: 'You need the organizer role' }).isVisible()).toBe(true);
    // The id an admin needs to grant the role, as /api/me names this account.
    const token = await page.evaluate(() => (globalThis as any).localStorage.getItem('pollster.accessToken'));
    const me = await call(t.app, { method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.body.roles).toEqual(['voter']);
    expect(await page.textContent('#no-role-user')).toBe(me.body.userId);
    expect(await page.textContent('#who')).toContain(email);
    for (const view of ['#polls-view', '#create-view', '#poll-view']) expect(await page.isHidden(view), view).toBe(true);
    await page.goto(`${t.baseUrl}/o#new`);
    await page.waitForSelector('#no-role:not([hidden])');
    expect(await page.isHidden('#create-view')).toBe(true);
    await expectAccessible(page, 'no organizer role');
    await screenshot(page, 'console-no-role-390');
    expect(errors).toEqual([]);
    await close();
  });
});
