import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEdgeApp } from '../../src/api/live/edge-app.ts';
import { call, callerWith, lunchPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Errors Fastify raises before a route runs (the router's bad URLs and overlong parameters, the
 * not-found handler, schema failures) are problem+json with a stable code like every other
 * error, and never send back more than a short excerpt of what the client sent.
 */
const ECHO_LIMIT = 200;
let t: TestApp;
let edge: FastifyInstance;
beforeAll(async () => {
  t = await createTestApp();
  edge = await buildEdgeApp({ logger: pino({ level: 'silent' }), services: t.services, healthChecks: { required: {} } });
  await edge.ready();
});
afterAll(async () => {
  await edge?.close();
  await t?.close();
});

function expectProblem(response: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

describe.each([
  ['api', () => t.app],
  ['edge', () => edge],
])('%s app', (_name, app) => {
  it('answers a malformed percent-encoding in the path with 400 request.bad-url', async () => {
    expectProblem(await call(app(), { method: 'GET', url: '/api/polls/%E0%A4%A' }), 400, 'request.bad-url');
    expectProblem(await call(app(), { method: 'GET', url: '/api/polls/%ED%A0%80/live' }), 400, 'request.bad-url');
  });

  it('answers an overlong path parameter with 414 request.param-too-long, without echoing it', async () => {
    const long = 'p'.repeat(5_000);
    const response = await call(app(), { method: 'GET', url: `/api/polls/${long}/live` });
    expectProblem(response, 414, 'request.param-too-long');
    expect(JSON.stringify(response.body)).not.toContain('p'.repeat(ECHO_LIMIT + 1));
  });

  it('answers an unknown route with 404 and at most a short excerpt of the URL', async () => {
    const long = 'n'.repeat(5_000);
    const response = await call(app(), { method: 'GET', url: `/nowhere/${long}` });
    expectProblem(response, 404, 'route.not-found');
    expect(response.body.detail).toContain('/nowhere/nnn');
    expect(JSON.stringify(response.body)).not.toContain('n'.repeat(ECHO_LIMIT + 1));
  });
});

describe('bytes that are not HTTP', () => {
  it('get a problem+json answer on the socket, and the connection closed', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
        socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body!)).toMatchObject({ status: 400, code: 'request.malformed' });
  });
});

describe('schema failures', () => {
  it('include query numbers that coerce to Infinity (ajv lets them through)', async () => {
    const organizer = await callerWith(t, 'organizer');
    const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() });
    const auditor = await callerWith(t, 'auditor');
    for (const [url, field] of [
      [`/api/polls/${created.body.pollId}/results?at=1e400`, 'querystring.at'],
      [`/api/polls/${created.body.pollId}/results?at=Infinity`, 'querystring.at'],
      [`/api/polls/${created.body.pollId}/audit/events?after=1e999`, 'querystring.after'],
      [`/api/polls/${created.body.pollId}/audit/events?limit=Infinity`, 'querystring.limit'],
      ['/api/review/flags?limit=1e400', 'querystring.limit'],
    ] as const) {
      const response = await call(t.app, { method: 'GET', url, caller: auditor });
      expectProblem(response, 400, 'request.invalid');
      expect(response.body.field, url).toBe(field);
    }
  });

  it('include positions beyond 2^53', async () => {
    const response = await call(t.app, { method: 'GET', url: `/api/polls/${randomUUID()}/results?at=99999999999999999999` });
    expectProblem(response, 400, 'request.invalid');
  });

  it('never echo a long unknown property name', async () => {
    const key = 'k'.repeat(5_000);
    const response = await call(t.app, {
      method: 'POST', url: '/api/polls', caller: await callerWith(t, 'organizer'), payload: { ...lunchPoll(), [key]: 1 },
    });
    expectProblem(response, 422, 'request.invalid');
    expect(JSON.stringify(response.body)).not.toContain('k'.repeat(ECHO_LIMIT + 1));
  });
});
