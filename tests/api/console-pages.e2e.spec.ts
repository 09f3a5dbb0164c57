import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * The organiser console's page and the two routes that format vote tokens the organiser already
 * holds: what they answer, to whom, and that nothing they print can be a spreadsheet formula or
 * markup of the caller's choosing. (Who may call them at all: authorization-matrix.e2e.spec.ts.)
 */
let t: TestApp;
let organizer: Caller;
let poll: { pollId: string; slug: string };
const TOKENS = ['q9Xr2c1kJ0m4bV7tY8wZ3A', '-leading-dash-token_x', 'AAAAAAAAAAAAAAAAAAAAAA'];

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: { ...lunchPoll({ voterPolicy: 'token' }), title: '@SUM(1+1)*cmd' } });
  poll = created.body;
});
afterAll(async () => t?.close());

const post = (kind: string, tokens: unknown, caller: Caller | undefined = organizer, pollId = poll.pollId) =>
  t.app.inject({ method: 'POST', url: `/o/polls/${pollId}/${kind}`, headers: { ...(caller?.headers ?? {}), host: 'vote.example.org' }, payload: { tokens } });

describe('the organiser console', () => {
  it('GET /o is a page under the pages\' policy: our own script, no inline script', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/o' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).toContain('<script type="module" src="/assets/pages/console.js">');
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)/);
    for (const asset of ['console.js', 'console.css']) expect((await t.app.inject({ method: 'GET', url: `/assets/pages/${asset}` })).statusCode, asset).toBe(200);
  });

  it('writes the links as CSV: one personal link a row, a title that would be a formula neutralised, never cached', async () => {
    const csv = await post('links.csv', TOKENS);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${poll.slug}-vote-links.csv"`);
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.body.split('\r\n')).toEqual([
      'poll,number,link',
      ...TOKENS.map((token, i) => `'@SUM(1+1)*cmd,${i + 1},http://vote.example.org/v/${poll.slug}#token=${token}`),
      '',
    ]);
  });

  it('prints one QR code a token, and takes nothing but token-shaped text, at most 500 at once', async () => {
    const sheet = await post('qr-sheet', TOKENS);
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['cache-control']).toBe('no-store');
    expect(sheet.body.match(/<svg /g)).toHaveLength(TOKENS.length);
    expect(sheet.body).toContain('Vote links: @SUM(1+1)*cmd');
    for (const token of TOKENS) expect(sheet.body).toContain(`<code>${token}</code>`);
    for (const bad of [['<b>not a token</b>'], ['short'], [], Array.from({ length: 501 }, () => TOKENS[0])]) {
      expect((await post('qr-sheet', bad)).statusCode, JSON.stringify(bad).slice(0, 40)).toBe(422);
    }
  });

  it('answers an unknown poll 404, and another organiser 403, whatever tokens they send', async () => {
    const admin = await callerWith(t, 'admin');
    expect((await post('links.csv', TOKENS, admin, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const other = await post('links.csv', TOKENS, await callerWith(t, 'organizer'));
    expect(other.statusCode).toBe(403);
    expect(other.body).not.toContain('SUM');
    expect((await post('qr-sheet', TOKENS, admin)).statusCode).toBe(200);
  });
});
