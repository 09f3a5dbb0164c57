import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { helmetHeaders } from '../../src/api/plugins/security-headers.ts';

/** Limits and headers every deployment gets: the ballot rate limit, body size, security headers. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ballotsPerMinute: 3, bodyLimit: 4096 });
});
afterAll(async () => t?.close());

describe('protection', () => {
  it('rate-limits ballots per client IP with a 429 problem', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: answersFor(poll) } });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(r.body).toMatchObject({ status: 429, code: 'rate-limited' });
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('refuses bodies over the limit with 413, and malformed JSON with 400, as problem+json', async () => {
    const organizer = await callerWith(t, 'organizer');
    const big = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: { title: 'x'.repeat(10_000), questions: [] } });
    expect(big).toMatchObject({ status: 413, body: { status: 413 } });
    const broken = await call(t.app, {
      method: 'POST',
      url: '/api/polls',
      caller: organizer,
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(broken).toMatchObject({ status: 400, body: { status: 400 } });
  });

  it('sends the security headers on answers, problems and unknown paths alike', async () => {
    const expected = helmetHeaders({ contentSecurityPolicy: false });
    const answers = [
      await t.app.inject({ method: 'GET', url: '/health/live' }),
      await t.app.inject({ method: 'GET', url: '/api/polls/no-such-poll' }),
      await t.app.inject({ method: 'GET', url: '/no/such/path' }),
      await t.app.inject({ method: 'GET', url: '/api/polls/no-such-poll/live' }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 404, 404, expect.any(Number)]);
    for (const r of answers) expect(r.headers).toMatchObject(expected);
    expect(answers[0]!.headers['x-content-type-options']).toBe('nosniff');
    expect(answers[0]!.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with process, HTTP and projection metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    const r = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toContain('pollster_process_resident_memory_bytes');
    expect(r.body).toMatch(/pollster_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(r.body).toMatch(/pollster_projection_lag_seconds\{projection="results"\} \d/);
    expect(r.body).toContain('pollster_live_frames_sent_total');
    expect(r.body).toMatch(/^pollster_log_horizon_age_seconds \d/m);
  });
});
