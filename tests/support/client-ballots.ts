import { expect } from 'vitest';
import { answersFor, call, callerWith } from './api-client.ts';
import type { TestApp } from './app.ts';

/** User agents of the device classes analytics tells apart (src/api/ballot-meta.ts). */
export const USER_AGENTS = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1',
  bot: 'curl/8.5.0',
};

/** A ballot by a new voter from this client (user agent, address); waits until the read models have it. */
export async function castFromClient(t: TestApp, poll: any, userAgent: string, ip: string, answers = answersFor(poll), startedAt?: string) {
  const cast = await call(t.app, {
    method: 'POST',
    url: `/api/polls/${poll.pollId}/ballots`,
    caller: await callerWith(t),
    headers: { 'user-agent': userAgent },
    remoteAddress: ip,
    payload: { answers, ...(startedAt ? { startedAt } : {}) },
  });
  expect(cast.status, JSON.stringify(cast.body)).toBe(201);
  await t.services.readModelsAt(BigInt(cast.body.position));
}
