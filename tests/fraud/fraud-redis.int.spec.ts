import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAUD_SETTINGS } from '../../src/commands/fraud/settings.ts';
import { ballotStream } from '../../src/domain/shared/streams.ts';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * The ballot path on Redis (full stack): detection through the Lua counter, and Redis down or
 * mute, against real sockets: a port where nothing listens, and a listener that never answers.
 */
const apps: TestApp[] = [];
const clients: Redis[] = [];
const prefix = `test:fraud-api:${randomUUID()}:`;
afterAll(async () => {
  const [live] = clients;
  const keys = live ? await live.keys(`${prefix}*`) : [];
  if (live && keys.length > 0) await live.del(...keys);
  await Promise.all(apps.map((a) => a.close()));
  for (const c of clients) c.disconnect();
});

async function appWith(redis: Redis, settings = {}) {
  clients.push(redis);
  const t = await createTestApp({}, undefined, { settings: { ...DEFAULT_FRAUD_SETTINGS, ...settings }, redis, redisKeyPrefix: prefix });
  apps.push(t);
  return t;
}

async function vote(t: TestApp, poll: any, remoteAddress: string, userAgent = 'Mozilla/5.0') {
  return call(t.app, {
    method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), remoteAddress,
    headers: { 'user-agent': userAgent }, payload: { answers: answersFor(poll) },
  });
}

describe('fraud checks on Redis', () => {
  it('flags velocity and one busy client address on an open poll (fingerprint) on a poll’s own limit, IPv6 by /48', async () => {
    const t = await appWith(new Redis(serviceUrls.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }), { fingerprintLimit: 2 });
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer, { fraudVelocityLimit: 3 });
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await vote(t, poll, `2001:db8:7:${i}::1`)).status);
    const fourth = await vote(t, poll, '2001:db8:7:ff::1');
    expect([...statuses, fourth.status]).toEqual([201, 201, 201, 201]);
    expect((await vote(t, poll, '2001:db8:7:fe::1')).status).toBe(428);
    // Three voters from one address on an open poll (a voter there is address + user agent, so a
    // host mints them by changing its user agent), with a high limit: the third is flagged.
    const busy = await openedPoll(t.app, organizer, { voterPolicy: 'open', fraudVelocityLimit: 100 });
    const casts = [];
    for (let i = 0; i < 3; i++) casts.push(await vote(t, busy, '192.0.2.77', `Bot/1.${i}`));
    await t.services.readModelsAt(BigInt(casts.at(-1)!.body.position));
    const reviewer = await callerWith(t, 'reviewer');
    const v6 = (await call(t.app, { method: 'GET', url: `/api/review/flags?pollId=${poll.pollId}`, caller: reviewer })).body.items;
    expect(v6).toHaveLength(1);
    expect(v6[0]).toMatchObject({ ballotId: fourth.body.ballotId, reasons: ['velocity'], details: { ipPrefix: '2001:db8:7::/48', prefixCount: 4, velocityLimit: 3 } });
    const fp = (await call(t.app, { method: 'GET', url: `/api/review/flags?pollId=${busy.pollId}`, caller: reviewer })).body.items;
    expect(fp.map((f: any) => [f.ballotId, f.reasons])).toEqual([[casts[2]!.body.ballotId, ['fingerprint']]]);
  });

  it('while Redis is unreachable: accepts ballots marked skipped by default; a poll that refuses them answers 503 and writes nothing', async () => {
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => {});
    const t = await appWith(down);
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    expect(poll.settings.fraudCheckUnavailable).toBe('accept');
    const voter = await callerWith(t);
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(cast.status).toBe(201);
    const [event] = await t.services.store.readStream(ballotStream(poll.pollId, `u.${voter.userId}`));
    expect(event?.metadata).toMatchObject({ fraudCheck: 'skipped' });

    const strict = await openedPoll(t.app, organizer, { fraudCheckUnavailable: 'refuse' });
    expect(strict.settings.fraudCheckUnavailable).toBe('refuse');
    await expectRefused(t, strict);
  });

  it('a Redis that takes connections but never answers: refused after FRAUD_CHECK_TIMEOUT_MS, nothing written', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      // No ready check: the client counts as connected and sends the script, whose answer never comes.
      const mute = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      mute.on('error', () => {});
      const t = await appWith(mute, { checkTimeoutMs: 100 });
      const organizer = await callerWith(t, 'organizer');
      const strict = await openedPoll(t.app, organizer, { fraudCheckUnavailable: 'refuse' });
      const started = Date.now();
      await expectRefused(t, strict);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      const lenient = await openedPoll(t.app, organizer);
      const voter = await callerWith(t);
      expect((await call(t.app, { method: 'POST', url: `/api/polls/${lenient.pollId}/ballots`, caller: voter, payload: { answers: answersFor(lenient) } })).status).toBe(201);
      const [event] = await t.services.store.readStream(ballotStream(lenient.pollId, `u.${voter.userId}`));
      expect(event?.metadata).toMatchObject({ fraudCheck: 'skipped' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

/** castBallot on a `refuse` poll whose check cannot run: 503 problem with Retry-After, the log head unmoved, no ballot to find. */
async function expectRefused(t: TestApp, poll: any) {
  const voter = await callerWith(t);
  const refused = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
  expect(refused).toMatchObject({ status: 503, body: { status: 503, code: 'fraud.check-unavailable' } });
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(refused.headers['retry-after']).toBe('5');
  expect(await t.services.store.readStream(ballotStream(poll.pollId, `u.${voter.userId}`))).toEqual([]); // nothing written
  // The voter asking what became of it is told the truth: there is no ballot to find.
  expect((await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/ballots/mine`, caller: voter })).body).toMatchObject({ status: 404, code: 'ballot.not-found' });
}
