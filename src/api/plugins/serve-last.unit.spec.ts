import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import problemDetails from './problem-details.ts';
import securityHeaders from './security-headers.ts';
import serveLast from './serve-last.ts';

/**
 * An app as buildApp orders it: serve-last before the plugins with hooks; one route whose rule puts
 * every request in the line its `network` header names, one route with no rule.
 */
async function appWithLine(limits: { perLine: number; total: number; perSecond: number }) {
  const app = Fastify();
  await app.register(serveLast, limits);
  await app.register(problemDetails);
  await app.register(securityHeaders, { helmet: { contentSecurityPolicy: false } });
  const served: string[] = [];
  app.post('/flood', { config: { serveLast: (request) => String(request.headers.network ?? 'a') } }, async (request) => (served.push(`flood from ${request.headers.network ?? 'a'}`), { ok: true }));
  app.post('/honest', async () => (served.push('honest'), { ok: true }));
  await app.ready();
  return { app, served };
}

describe('serve-last', () => {
  it('serves the requests a rule names after the others, each answered as ever', async () => {
    const { app, served } = await appWithLine({ perLine: 100, total: 100, perSecond: 100_000 });
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => app.inject({ method: 'POST', url: '/flood', payload: {} })),
      app.inject({ method: 'POST', url: '/flood', payload: {}, headers: { network: 'b' } }),
      app.inject({ method: 'POST', url: '/honest', payload: {} }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    // The honest request first; network b's one request after a's first, not after all five.
    expect(served).toEqual(['honest', 'flood from a', 'flood from b', 'flood from a', 'flood from a', 'flood from a', 'flood from a']);
    await app.close();
  });

  it("answers 429 problem+json with Retry-After and the security headers past its line's limit: a flood larger than its line jumps no one, and other lines stay open", async () => {
    const { app, served } = await appWithLine({ perLine: 2, total: 10, perSecond: 100_000 });
    const [other, ...answers] = await Promise.all([
      app.inject({ method: 'POST', url: '/flood', payload: {}, headers: { network: 'b' } }),
      ...Array.from({ length: 5 }, () => app.inject({ method: 'POST', url: '/flood', payload: {} })),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 429, 429, 429]);
    expect(other!.statusCode).toBe(200); // sent while a's line was full
    const refused = answers.find((a) => a.statusCode === 429)!;
    expect(refused.headers).toMatchObject({ 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '5', 'x-content-type-options': 'nosniff' });
    expect(refused.json()).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(served.sort()).toEqual(['flood from a', 'flood from a', 'flood from b']); // the refused ones never reached the handler
    await app.close();
  });
});
