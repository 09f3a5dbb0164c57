import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import problemDetails from './problem-details.ts';
import securityHeaders from './security-headers.ts';
import serveLast from './serve-last.ts';

/** An app as buildApp orders it: serve-last before the plugins with hooks; one route its rule names, one it does not. */
async function appWithLine(limit: number) {
  const app = Fastify();
  await app.register(serveLast, { limit });
  await app.register(problemDetails);
  await app.register(securityHeaders, { helmet: { contentSecurityPolicy: false } });
  const served: string[] = [];
  app.post('/flood', { config: { serveLast: () => true } }, async () => (served.push('flood'), { ok: true }));
  app.post('/honest', async () => (served.push('honest'), { ok: true }));
  await app.ready();
  return { app, served };
}

describe('serve-last', () => {
  it('serves the requests a rule names after the others, each answered as ever', async () => {
    const { app, served } = await appWithLine(100);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => app.inject({ method: 'POST', url: '/flood', payload: {} })),
      app.inject({ method: 'POST', url: '/honest', payload: {} }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(served).toEqual(['honest', 'flood', 'flood', 'flood', 'flood', 'flood']);
    await app.close();
  });

  it('answers 429 problem+json with Retry-After and the security headers past its limit: a flood larger than the line jumps no one', async () => {
    const { app, served } = await appWithLine(2);
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'POST', url: '/flood', payload: {} })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 429, 429, 429]);
    const refused = answers.find((a) => a.statusCode === 429)!;
    expect(refused.headers).toMatchObject({ 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '5', 'x-content-type-options': 'nosniff' });
    expect(refused.json()).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(served).toEqual(['flood', 'flood']); // the refused ones never reached the handler
    await app.close();
  });
});
