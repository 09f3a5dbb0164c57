import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Text PostgreSQL cannot hold: U+0000 (refused by text and jsonb alike) and unpaired UTF-16
 * surrogates (refused by jsonb, silently turned into U+FFFD in text columns). Both are refused at
 * the field, before any command runs: 422 in a body, 400 in the path or the query string.
 */
let t: TestApp;
let organizer: Caller;
let reviewer: Caller;
beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
  reviewer = await callerWith(t, 'reviewer');
});
afterAll(async () => t?.close());

/** Raw JSON, so an unpaired surrogate escape reaches the server as the client wrote it. */
const json = (text: string) => ({ headers: { 'content-type': 'application/json' }, payload: text });

async function expectRefused(
  request: Parameters<typeof call>[1],
  expected: { status: number; code: string; field: string },
) {
  const head = await committedHead(t.services);
  const response = await call(t.app, request);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject(expected);
  expect(await committedHead(t.services), 'nothing is written').toBe(head);
}

describe('U+0000', () => {
  it('is refused in a register body with 422 at the field', async () => {
    await expectRefused(
      { method: 'POST', url: '/api/auth/register', payload: { email: 'a\u0000b@x.test', password: 'long enough password', displayName: 'A' } },
      { status: 422, code: 'request.nul-character', field: 'body.email' },
    );
  });

  it('is refused in a login body with 422 at the field', async () => {
    await expectRefused(
      { method: 'POST', url: '/api/auth/login', payload: { email: 'a\u0000b@x.test', password: 'long enough password' } },
      { status: 422, code: 'request.nul-character', field: 'body.email' },
    );
  });

  it('is refused deep in a body, and named by its path', async () => {
    const poll = lunchPoll();
    poll.questions[0]!.options![1]!.text = 'Su\u0000shi';
    await expectRefused(
      { method: 'POST', url: '/api/polls', caller: organizer, payload: poll },
      { status: 422, code: 'request.nul-character', field: 'body.questions.0.options.1.text' },
    );
  });

  it('is refused in an object key', async () => {
    await expectRefused(
      { method: 'POST', url: '/api/auth/login', payload: { email: 'a@x.test', password: 'long enough password', 'x\u0000': 1 } },
      { status: 422, code: 'request.nul-character', field: 'body' },
    );
  });

  it('is refused in a path parameter (the slug lookup) with 400', async () => {
    await expectRefused({ method: 'GET', url: '/api/polls/%00' }, { status: 400, code: 'request.nul-character', field: 'params.pollIdOrSlug' });
  });

  it('is refused in a query parameter with 400', async () => {
    await expectRefused(
      { method: 'GET', url: '/api/review/flags?reason=%00', caller: reviewer },
      { status: 400, code: 'request.nul-character', field: 'querystring.reason' },
    );
  });
});

describe('unpaired surrogates', () => {
  it('are refused in a body with 422 at the field', async () => {
    await expectRefused(
      { method: 'POST', url: '/api/auth/register', ...json('{"email":"s@x.test","password":"long enough password","displayName":"A\\ud800"}') },
      { status: 422, code: 'request.unpaired-surrogate', field: 'body.displayName' },
    );
    const poll = JSON.stringify(lunchPoll()).replace('"Lunch"', '"Lunch \\udc00"');
    await expectRefused(
      { method: 'POST', url: '/api/polls', caller: organizer, ...json(poll) },
      { status: 422, code: 'request.unpaired-surrogate', field: 'body.title' },
    );
  });
});

describe('text PostgreSQL stores', () => {
  it('accepts other control characters and paired surrogates', async () => {
    const poll = lunchPoll();
    poll.title = 'Lunch\u0001\u001f\u007f \u202e🦄';
    const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: poll });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = await call(t.app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer });
    expect(read.body.title).toBe(poll.title);
  });
});
