import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** Join codes: chosen at open, unique among active polls (the store decides), freed at close, looked up rate-limited. */
let t: TestApp;
let organizer: Caller;
const JOIN_PER_MINUTE = 40;

beforeAll(async () => {
  t = await createTestApp({ joinPerMinute: JOIN_PER_MINUTE });
  organizer = await callerWith(t, 'organizer');
});
afterAll(async () => t?.close());

async function draft(): Promise<string> {
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() });
  expect(created.status).toBe(201);
  return created.body.pollId;
}
const open = (pollId: string) => call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer });
const close = (pollId: string) => call(t.app, { method: 'POST', url: `/api/polls/${pollId}/close`, caller: organizer });
/** Each lookup from its own address unless told, so only the rate limit test meets the limit. */
let address = 0;
const lookup = (code: string, ip = `10.9.${Math.floor(++address / 250)}.${address % 250}`) =>
  call(t.app, { method: 'GET', url: `/api/join/${code}`, remoteAddress: ip });

describe('join codes', () => {
  it('are given at open, shown by getPoll while active, found by findPollByJoinCode, and gone once closed', async () => {
    const pollId = await draft();
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: organizer })).body.joinCode).toBeUndefined();
    const opened = await open(pollId);
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({ status: 'active', joinCode: expect.stringMatching(/^[1-9][0-9]{5,7}$/) });
    const { joinCode } = opened.body;
    const poll = (await call(t.app, { method: 'GET', url: `/api/polls/${pollId}` })).body;
    expect(poll.joinCode).toBe(joinCode);
    expect(await lookup(joinCode)).toMatchObject({ status: 200, body: { pollId, slug: poll.slug, joinCode, votePath: `/v/${poll.slug}` } });
    // The log is the truth: the reservation stream names the poll, and so does PollOpened.
    const reservation = await t.services.commands.store.readStream(`joincode-${joinCode}`);
    expect(reservation.map((e) => [e.type, (e.data as any).pollId])).toEqual([['JoinCodeReserved', pollId]]);
    const pollEvents = await t.services.commands.store.readStream(`poll-${pollId}`);
    expect(pollEvents.find((e) => e.type === 'PollOpened')!.data).toMatchObject({ joinCode });

    expect((await close(pollId)).status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}` })).body.joinCode).toBeUndefined();
    const gone = await lookup(joinCode);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(gone.body).toMatchObject({ status: 404, code: 'join-code.not-found' });
    expect((await t.services.commands.store.readStream(`joincode-${joinCode}`)).map((e) => e.type)).toEqual(['JoinCodeReserved', 'JoinCodeReleased']);
  });

  it('answers 404 problem+json for codes no active poll holds, malformed ones included', async () => {
    for (const code of ['999999', '12345', '0123456', 'abcdef', '123456789']) {
      const answer = await lookup(code);
      expect(answer.status, code).toBe(404);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'join-code.not-found' });
    }
  });

  it('are unique among active polls when many polls open at once, even drawing the same code', async () => {
    // Every poll draws 424242 first: exactly one may hold it, the others fall through to longer codes.
    const drawn: string[] = [];
    t.services.commands.drawJoinCode = (digits) => {
      const code = digits === 6 ? '424242' : String(10 ** (digits - 1) + Math.floor(Math.random() * 9 * 10 ** (digits - 1)));
      drawn.push(code);
      return code;
    };
    try {
      const polls = await Promise.all(Array.from({ length: 12 }, () => draft()));
      const opened = await Promise.all(polls.map(open));
      expect(opened.map((o) => o.status)).toEqual(polls.map(() => 200));
      const codes = opened.map((o) => o.body.joinCode as string);
      expect(new Set(codes).size).toBe(polls.length);
      expect(codes.filter((c) => c === '424242')).toHaveLength(1);
      expect(drawn.filter((c) => c === '424242').length).toBeGreaterThan(polls.length);
      for (const [i, code] of codes.entries()) expect((await lookup(code)).body.pollId).toBe(polls[i]);

      // Released at close: the next poll to open gets 424242 again, and the old holder is not found by it.
      const holder = polls[codes.indexOf('424242')]!;
      expect((await close(holder)).status).toBe(200);
      const next = await draft();
      expect((await open(next)).body.joinCode).toBe('424242');
      expect((await lookup('424242')).body.pollId).toBe(next);
      expect((await call(t.app, { method: 'GET', url: `/api/polls/${holder}` })).body.joinCode).toBeUndefined();
    } finally {
      delete t.services.commands.drawJoinCode;
    }
  });

  it('lead a browser from /j to the vote page, whose policy allows our own scripts only', async () => {
    const pollId = await draft();
    const { joinCode } = (await open(pollId)).body;
    const { slug } = (await call(t.app, { method: 'GET', url: `/api/polls/${pollId}` })).body;
    for (const url of [`/j/${joinCode}`, `/j?code=${joinCode.slice(0, 3)}+${joinCode.slice(3)}`]) {
      const redirect = await t.app.inject({ method: 'GET', url });
      expect(redirect.statusCode, url).toBe(303);
      expect(redirect.headers.location).toBe(`/v/${slug}`);
    }
    for (const key of [slug, pollId, joinCode]) {
      const page = await t.app.inject({ method: 'GET', url: `/v/${key}` });
      expect(page.statusCode, key).toBe(200);
      expect(page.body).toContain(`data-poll-id="${pollId}"`);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    }
    const presenter = await t.app.inject({ method: 'GET', url: `/p/${slug}` });
    expect(presenter.statusCode).toBe(200);
    expect(presenter.body).toContain('<svg');
    expect(presenter.body).toContain(`/j/${joinCode}`);
    for (const url of ['/v/999999', '/v/no-such-poll', '/j/999999', '/p/no-such-poll']) {
      const missing = await t.app.inject({ method: 'GET', url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.headers['content-type'], url).toMatch(/^text\/html/);
    }
    expect((await t.app.inject({ method: 'GET', url: '/assets/pages/vote.js' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/assets/pages/../pages.ts' })).statusCode).toBe(404);
  });

  it('rate-limits lookups per address, across the API and the pages', async () => {
    const ip = '10.77.0.1';
    const answers = [];
    for (let i = 0; i < JOIN_PER_MINUTE; i++) {
      const url = i % 2 === 0 ? `/api/join/${100000 + i}` : `/j/${100000 + i}`;
      answers.push((await t.app.inject({ method: 'GET', url, remoteAddress: ip })).statusCode);
    }
    expect(answers.every((s) => s === 404)).toBe(true);
    const limited = await lookup('100000', ip);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate-limited' });
    // Another address is not affected.
    expect((await lookup('100000', '10.77.0.2')).status).toBe(404);
  });
});
