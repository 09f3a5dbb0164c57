import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** The access log as an operator reads it: the app's logger writing JSON lines into `lines`. */
let lines: string[] = [];
const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, undefined, undefined, { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  lines = [];
});

describe('access log', () => {
  it('writes exactly one line per request: method, url, route pattern, status, duration and request id', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    lines = [];
    const response = await t.app.inject({ method: 'GET', url: `/api/polls/${poll.pollId}?view=full`, headers: { 'x-request-id': 'req-access-log-1' } });
    expect(response.statusCode).toBe(200);
    expect(logged()).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: 'req-access-log-1',
        method: 'GET',
        url: `/api/polls/${poll.pollId}?view=full`,
        route: '/api/polls/:pollIdOrSlug',
        status: 200,
        durationMs: expect.any(Number),
        msg: expect.stringMatching(new RegExp(`^GET /api/polls/${poll.pollId}\\?view=full 200 [\\d.]+ ms$`)),
      }),
    ]);
  });

  it('logs an unknown route too, without a route pattern', async () => {
    await t.app.inject({ method: 'GET', url: '/nowhere' });
    expect(logged()).toEqual([expect.objectContaining({ method: 'GET', url: '/nowhere', status: 404 })]);
    expect(logged()[0]!.route).toBeUndefined();
  });

  it('is quiet for health probes and metrics scrapes', async () => {
    for (const url of ['/health/ready', '/health/live', '/health', '/metrics', '/metrics?x=1']) await t.app.inject({ method: 'GET', url });
    expect(lines).toEqual([]);
  });

  it('never logs an access token, an Authorization header or a request body', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    lines = [];
    const token = organizer.headers.authorization!.slice('Bearer '.length);
    await t.app.inject({ method: 'GET', url: `/api/polls/${poll.pollId}/live?after=3&access_token=secret-in-query` });
    await t.app.inject({ method: 'GET', url: `/api/polls/${poll.pollId}?ACCESS_TOKEN=${token}` });
    await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}`, caller: organizer });
    await call(t.app, { method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.org', password: 'secret-password-in-body' } });
    expect(lines).toHaveLength(4);
    const text = lines.join('');
    for (const secret of ['secret-in-query', token, 'secret-password-in-body', 'nobody@example.org']) expect(text).not.toContain(secret);
    expect(logged()[0]!.url).toBe(`/api/polls/${poll.pollId}/live?after=3&access_token=[redacted]`);
  });
});
