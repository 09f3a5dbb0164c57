import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { castFromClient, USER_AGENTS } from '../support/client-ballots.ts';

/** getAnalytics through HTTP: ballots from different clients become devices, countries and buckets. */
let t: TestApp;
let organizer: Caller;
let clock: Date;

const UA = USER_AGENTS;

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
  // The commands take their time from here: a fixed clock makes castAt, and so the buckets, exact.
  t.services.commands.now = () => clock;
});
afterAll(async () => t?.close());

const at = (iso: string) => {
  clock = new Date(iso);
};

const vote = (poll: any, userAgent: string, ip: string, answers?: ReturnType<typeof answersFor>, startedAt?: string) => castFromClient(t, poll, userAgent, ip, answers, startedAt);

const analytics = (pollId: string, caller?: Caller, query = '') =>
  call(t.app, { method: 'GET', url: `/api/polls/${pollId}/analytics${query}`, ...(caller ? { caller } : {}) });

describe('getAnalytics', () => {
  let poll: any;

  beforeAll(async () => {
    at('2030-03-01T09:00:00.000Z');
    poll = await openedPoll(t.app, organizer);
    // response times: 12.9 s (kept as 12), 40 s, none (no start sent), and a start 7 hours back (implausible: none)
    at('2030-03-01T09:00:20.000Z');
    await vote(poll, UA.desktop, '17.0.0.1', answersFor(poll), '2030-03-01T09:00:07.100Z'); // Apple: US in the shipped country data
    at('2030-03-01T09:00:50.000Z');
    await vote(poll, UA.mobile, '131.111.8.46', answersFor(poll).slice(0, 2), '2030-03-01T09:00:10.000Z'); // University of Cambridge: GB
    at('2030-03-01T09:02:10.000Z');
    await vote(poll, UA.tablet, '10.0.0.5');
    at('2030-03-01T10:30:00.000Z');
    await vote(poll, UA.bot, '2001:67c:2e8::1', answersFor(poll), '2030-03-01T03:30:00.000Z'); // RIPE NCC: NL
  });

  it('reports totals, completion, response time, devices and countries, per minute by default', async () => {
    const response = await analytics(poll.pollId, organizer);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      pollId: poll.pollId,
      granularity: 'minute',
      totalBallots: 4,
      uniqueVoters: 4,
      // (4 + 2 + 4 + 4) answered of 4 × 4 questions
      completionRate: 0.875,
      avgResponseSeconds: 26,
      medianResponseSeconds: 26,
      // 12 + 0.9 × (40 - 12)
      p90ResponseSeconds: 37.2,
      timedBallots: 2,
      // the mobile ballot answered the first two questions only
      questions: poll.questions.map((q: any, i: number) => ({
        questionId: q.questionId, shown: 4, answered: i < 2 ? 4 : 3, answerRate: i < 2 ? 1 : 0.75,
      })),
      timeSeries: [
        { bucket: '2030-03-01T09:00:00.000Z', ballots: 2 },
        { bucket: '2030-03-01T09:02:00.000Z', ballots: 1 },
        { bucket: '2030-03-01T10:30:00.000Z', ballots: 1 },
      ],
      devices: { bot: 1, desktop: 1, mobile: 1, tablet: 1 },
      countries: { GB: 1, NL: 1, US: 1, private: 1 },
      countryData: { source: expect.stringContaining('@ip-location-db/geo-whois-asn-country-mmdb'), builtAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
  });

  it('stores the response time in whole seconds with the ballot, never the start the client sent', async () => {
    const rows = await t.services.sql.any(sql.type(z.object({ meta: z.record(z.string(), z.unknown()), text: z.string() }))`
      SELECT data->'meta' AS meta, data::text AS text FROM events WHERE type = 'BallotCast' AND data->>'pollId' = ${poll.pollId}`);
    expect(rows.map((r) => r.meta.responseSeconds).sort()).toEqual([12, 40, null, null]);
    for (const row of rows) {
      expect(row.text).not.toContain('2030-03-01T09:00:07');
      expect(row.text).not.toContain('startedAt');
      // the country code only, never the address
      expect(row.text).not.toMatch(/17\.0\.0\.1|131\.111\.8\.46|2001:67c:2e8::1/);
    }
  });

  it('blanks the response time out of the audit view where voter identities are blanked out (an admin, not an auditor)', async () => {
    const page = await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/audit/events`, caller: await callerWith(t, 'admin') });
    expect(page.status).toBe(200);
    const casts = page.body.items.filter((e: any) => e.type === 'BallotCast');
    expect(casts).toHaveLength(4);
    for (const e of casts) expect(e).toMatchObject({ redacted: true, data: { meta: { responseSeconds: null, ipPrefix: null } } });
  });

  it('refuses a startedAt that is not a time (the ballot is not taken)', async () => {
    const bad = await call(t.app, {
      method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: answersFor(poll), startedAt: 'soon' },
    });
    expect(bad).toMatchObject({ status: 422, body: { field: expect.stringContaining('startedAt') } });
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('buckets per hour with ?bucket=hour; any other bucket is a 400', async () => {
    const hourly = await analytics(poll.pollId, organizer, '?bucket=hour');
    expect(hourly.status).toBe(200);
    expect(hourly.body).toMatchObject({ granularity: 'hour', totalBallots: 4 });
    expect(hourly.body.timeSeries).toEqual([
      { bucket: '2030-03-01T09:00:00.000Z', ballots: 3 },
      { bucket: '2030-03-01T10:00:00.000Z', ballots: 1 },
    ]);
    expect((await analytics(poll.pollId, organizer, '?bucket=minute')).body.timeSeries).toHaveLength(3);
    const bad = await analytics(poll.pollId, organizer, '?bucket=day');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('lets the organizer, admins and analysts in: 401 anonymous, 403 anyone else', async () => {
    for (const role of ['admin', 'analyst'] as const) {
      expect((await analytics(poll.pollId, await callerWith(t, role))).body).toMatchObject({ totalBallots: 4 });
    }
    expect((await analytics(poll.pollId)).status).toBe(401);
    const otherOrganizer = await analytics(poll.pollId, await callerWith(t, 'organizer'));
    expect(otherOrganizer).toMatchObject({ status: 403, body: { code: 'analytics.forbidden' } });
    expect((await analytics(poll.pollId, await callerWith(t))).status).toBe(403);
    expect((await analytics(poll.pollId, await callerWith(t, 'reviewer', 'auditor'))).status).toBe(403);
  });

  it('404 for a poll that does not exist; a poll without ballots shows nothing counted', async () => {
    const missing = await analytics('00000000-0000-4000-8000-000000000000', await callerWith(t, 'admin'));
    expect(missing).toMatchObject({ status: 404 });
    expect((await analytics('not-a-uuid', organizer)).status).toBe(400);

    const quiet = await openedPoll(t.app, organizer);
    expect((await analytics(quiet.pollId, organizer)).body).toEqual({
      pollId: quiet.pollId,
      granularity: 'minute',
      totalBallots: 0,
      uniqueVoters: 0,
      completionRate: null,
      avgResponseSeconds: null,
      medianResponseSeconds: null,
      p90ResponseSeconds: null,
      timedBallots: 0,
      questions: quiet.questions.map((q: any) => ({ questionId: q.questionId, shown: 0, answered: 0, answerRate: null })),
      timeSeries: [],
      devices: {},
      countries: {},
      countryData: t.services.countries.info,
    });
  });
});
