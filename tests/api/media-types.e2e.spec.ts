import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, lunchPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** A body in a media type the route does not take is 415 problem+json naming the ones it does. */
let t: TestApp;
let admin: Caller;
beforeAll(async () => {
  t = await createTestApp();
  admin = await callerWith(t, 'admin');
});
afterAll(async () => t?.close());

const jobCount = async () => Number(await t.services.sql.oneFirst(sql.unsafe`SELECT count(*) FROM import_jobs`));

function expectUnsupported(response: Awaited<ReturnType<typeof call>>, accepted: string[]) {
  expect(response.status).toBe(415);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status: 415, code: 'request.unsupported-media-type' });
  for (const type of accepted) expect(response.body.detail).toContain(type);
}

describe('importUsers', () => {
  const IMPORT_TYPES = ['text/csv', 'application/x-ndjson', 'application/jsonl'];

  it('refuses a JSON body with 415 and starts no job', async () => {
    const before = await jobCount();
    const response = await call(t.app, {
      method: 'POST', url: '/api/admin/users/import', caller: admin,
      headers: { 'content-type': 'application/json' }, payload: '{"email":"x@example.org","displayName":"X"}',
    });
    expectUnsupported(response, IMPORT_TYPES);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a request without a content type with 415', async () => {
    const before = await jobCount();
    expectUnsupported(await call(t.app, { method: 'POST', url: '/api/admin/users/import', caller: admin }), IMPORT_TYPES);
    expectUnsupported(await call(t.app, { method: 'POST', url: '/api/admin/users/import', caller: admin, payload: Buffer.from('email,displayName\n') }), IMPORT_TYPES);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a plain text body with 415', async () => {
    const response = await call(t.app, {
      method: 'POST', url: '/api/admin/users/import', caller: admin, headers: { 'content-type': 'text/plain' }, payload: 'email,displayName\n',
    });
    expectUnsupported(response, IMPORT_TYPES);
  });
});

describe('JSON routes', () => {
  it('refuse XML, plain text and CSV with 415 naming application/json', async () => {
    const organizer = await callerWith(t, 'organizer');
    for (const type of ['application/xml', 'text/plain', 'text/csv', 'application/x-www-form-urlencoded']) {
      const response = await call(t.app, {
        method: 'POST', url: '/api/polls', caller: organizer, headers: { 'content-type': type }, payload: JSON.stringify(lunchPoll()),
      });
      expectUnsupported(response, ['application/json']);
    }
    const register = await call(t.app, {
      method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ email: 'plain@example.org', password: 'long enough password', displayName: 'P' }),
    });
    expectUnsupported(register, ['application/json']);
  });

  it('still take application/json with parameters', async () => {
    const response = await call(t.app, {
      method: 'POST', url: '/api/polls', caller: await callerWith(t, 'organizer'),
      headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(lunchPoll()),
    });
    expect(response.status).toBe(201);
  });
});
