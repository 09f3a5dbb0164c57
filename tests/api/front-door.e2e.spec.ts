import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEdgeApp } from '../../src/api/live/edge-app.ts';
import { callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** What a person gets who types the bare address, or a live-page link that leads nowhere. */
let t: TestApp;
let edge: FastifyInstance;
let poll: { pollId: string; slug: string };
beforeAll(async () => {
  t = await createTestApp();
  edge = await buildEdgeApp({ logger: pino({ level: 'silent' }), services: t.services, healthChecks: { required: {} } });
  poll = await openedPoll(t.app, await callerWith(t, 'organizer'));
});
afterAll(async () => {
  await edge?.close();
  await t.close();
});

const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });

describe('the front door', () => {
  it('GET / is a small page saying what Pollster is, with the API docs, the OpenAPI document and where live pages are', async () => {
    const response = await get(t.app, '/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const page = response.body;
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    expect(page).toContain('<title>Pollster</title>');
    expect(page).toContain('<h1>Pollster</h1>');
    expect(page).toContain('href="/api/docs"');
    expect(page).toContain('href="/api/openapi.json"');
    expect(page).toContain('href="/o"');
    expect(page).toContain('/polls/&lt;poll id or slug&gt;');
    // Nothing from elsewhere: every link and stylesheet is on this origin.
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);

    const css = await get(t.app, '/assets/pollster.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(t.app, '/api/openapi.json')).statusCode).toBe(200);
    expect((await get(t.app, '/api/docs')).statusCode).toBeLessThan(400);
  });

  it('the live edge serves the same front door', async () => {
    const [api, onEdge] = [await get(t.app, '/'), await get(edge, '/')];
    expect(onEdge.statusCode).toBe(200);
    expect(onEdge.body).toBe(api.body);
    expect((await get(edge, '/assets/pollster.css')).statusCode).toBe(200);
  });
});

describe('live pages', () => {
  it('a poll that exists, by id or by slug, gets the live page', async () => {
    for (const key of [poll.pollId, poll.slug]) {
      const response = await get(t.app, `/polls/${key}`);
      expect(response.statusCode, key).toBe(200);
      expect(response.body).toContain('<script type="module" src="/assets/live/live.js"></script>');
    }
  });

  it('an unknown poll is a 404 HTML page with a way back to the front door', async () => {
    for (const key of ['does-not-exist', randomUUID()]) {
      const response = await get(t.app, `/polls/${key}`);
      expect(response.statusCode, key).toBe(404);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<h1>No such poll</h1>');
      expect(response.body).toContain('href="/"');
    }
  });

  it('the live edge answers the same', async () => {
    expect((await get(edge, `/polls/${poll.slug}`)).statusCode).toBe(200);
    expect((await get(edge, '/polls/does-not-exist')).statusCode).toBe(404);
  });
});
