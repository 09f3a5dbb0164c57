import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solveChallenge } from '../../src/commands/fraud/challenge/solve.ts';
import { DEFAULT_FRAUD_SETTINGS } from '../../src/commands/fraud/settings.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * Honest crowds against the server defaults (more than 50 voters per /24 in 10 minutes): a
 * conference room behind one NAT address on one phone model is many voters, not one client,
 * and refused duplicates are not ballots. The attacks the defaults exist for are still caught.
 * Run on both counters: the Redis script and the in-process one must agree.
 */
const prefix = `test:fraud-crowds:${randomUUID()}:`;
const redis = new Redis(serviceUrls.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const ROOM = '203.0.113.9';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

type Cast = { status: number; body: any };

describe.each([
  ['in-process', () => ({})],
  ['redis', () => ({ redis, redisKeyPrefix: prefix })],
] as const)('crowds and duplicates (%s counter)', (_name, counter) => {
  let t: TestApp;
  let organizer: Caller;
  let reviewer: Caller;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { settings: { ...DEFAULT_FRAUD_SETTINGS, challengeMaxNumber: 20_000 }, ...counter() });
    organizer = await callerWith(t, 'organizer');
    reviewer = await callerWith(t, 'reviewer');
  });
  afterAll(async () => t?.close());

  async function vote(poll: any, remoteAddress: string, userAgent: string, extra: object = {}): Promise<Cast> {
    const response = await call(t.app, {
      method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, remoteAddress,
      headers: { 'user-agent': userAgent }, payload: { answers: answersFor(poll), ...extra },
    });
    if (response.status === 201) await t.services.readModelsAt(BigInt(response.body.position));
    return response;
  }

  async function tokenPoll(count: number): Promise<{ poll: any; tokens: string[] }> {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const issued = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count } });
    expect(issued.status).toBe(201);
    return { poll, tokens: issued.body.tokens };
  }

  const flagsOf = async (poll: any) =>
    (await call(t.app, { method: 'GET', url: `/api/review/flags?pollId=${poll.pollId}&limit=100`, caller: reviewer })).body.items as any[];
  const challenge = async () => solveChallenge((await call(t.app, { method: 'GET', url: '/api/challenge' })).body);

  it('20 token voters in one room, one address, one phone model: none flagged, none challenged', async () => {
    const { poll, tokens } = await tokenPoll(20);
    const casts = [];
    for (const voteToken of tokens) casts.push(await vote(poll, ROOM, PHONE, { voteToken }));
    expect(casts.map((c) => c.status)).toEqual(Array(20).fill(201));
    expect(await flagsOf(poll)).toEqual([]);
  });

  it('60 token voters in that room: the 51st on is flagged velocity and challenged, nothing else', async () => {
    const { poll, tokens } = await tokenPoll(60);
    const casts: Cast[] = [];
    for (const voteToken of tokens.slice(0, 51)) casts.push(await vote(poll, ROOM, PHONE, { voteToken }));
    expect(casts.map((c) => c.status)).toEqual(Array(51).fill(201));
    const late: Cast[] = [];
    for (const voteToken of tokens.slice(51)) {
      const refused = await vote(poll, ROOM, PHONE, { voteToken });
      expect(refused.body).toMatchObject({ status: 428, code: 'fraud.challenge-required' });
      late.push(await vote(poll, ROOM, PHONE, { voteToken, challenge: await challenge() }));
    }
    expect(late.map((c) => c.status)).toEqual(Array(9).fill(201));
    const flags = await flagsOf(poll);
    expect(flags.map((f) => f.ballotId)).toEqual([casts[50]!, ...late].map((c) => c.body.ballotId));
    for (const flag of flags) expect(flag.reasons).toEqual(['velocity']);
    expect(flags[0].details).toMatchObject({ ipPrefix: '203.0.113.0/24', prefixCount: 51, velocityLimit: 50, windowSeconds: 600 });
    expect(flags.at(-1).details).toMatchObject({ prefixCount: 60, challengeSolved: true });
  });

  it('open poll: one address and user agent is one voter, its repeats neither count nor flag; a host cycling user agents is flagged fingerprint', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'open' });
    const same: Cast[] = [];
    for (let i = 0; i < 20; i++) same.push(await vote(poll, '192.0.2.50', PHONE));
    expect(same.map((c) => c.status)).toEqual([201, ...Array(19).fill(409)]);
    expect(same[1]!.body).toMatchObject({ code: 'already-voted' });
    expect(await flagsOf(poll)).toEqual([]);
    // Twelve more voters from that one address, told apart only by their user agents.
    const cycled: Cast[] = [];
    for (let i = 1; i <= 12; i++) cycled.push(await vote(poll, '192.0.2.50', `farm-${i}`));
    expect(cycled.map((c) => c.status)).toEqual(Array(12).fill(201));
    const flags = await flagsOf(poll);
    expect(flags.map((f) => f.ballotId)).toEqual(cycled.slice(9).map((c) => c.body.ballotId));
    for (const flag of flags) expect(flag.reasons).toEqual(['fingerprint']);
    expect(flags[0].details).toMatchObject({ prefixCount: 11, fingerprintCount: 11, fingerprintLimit: 10 });
  });

  it('refused duplicates (409) do not count towards the network: the 51st accepted voter is the first flagged', async () => {
    const { poll, tokens } = await tokenPoll(81);
    const [eager, ...rest] = tokens as [string, ...string[]];
    const travellers = rest.slice(0, 30);
    const room = rest.slice(30);
    // One voter in the room taps "vote" 31 times; 30 voters who voted on mobile data retry on the room's wifi.
    expect((await vote(poll, ROOM, PHONE, { voteToken: eager })).status).toBe(201);
    const refused: Cast[] = [];
    for (let i = 0; i < 30; i++) refused.push(await vote(poll, ROOM, PHONE, { voteToken: eager }));
    for (const voteToken of travellers) expect((await vote(poll, '198.51.100.20', PHONE, { voteToken })).status).toBe(201);
    for (const voteToken of travellers) refused.push(await vote(poll, ROOM, PHONE, { voteToken }));
    expect(refused.map((c) => c.body.code)).toEqual(Array(60).fill('already-voted'));
    // 30 more voters in the room: with the one above, 31 accepted there. None flagged or challenged.
    const honest: Cast[] = [];
    for (const voteToken of room.slice(0, 30)) honest.push(await vote(poll, ROOM, PHONE, { voteToken }));
    expect(honest.map((c) => c.status)).toEqual(Array(30).fill(201));
    expect(await flagsOf(poll)).toEqual([]);
    // Every accepted ballot did count: 19 more make 50, the 20th is the 51st and is flagged.
    const more: Cast[] = [];
    for (const voteToken of room.slice(30)) more.push(await vote(poll, ROOM, PHONE, { voteToken }));
    expect(more.map((c) => c.status)).toEqual(Array(20).fill(201));
    const flags = await flagsOf(poll);
    expect(flags.map((f) => [f.ballotId, f.reasons])).toEqual([[more[19]!.body.ballotId, ['velocity']]]);
    expect(flags[0].details).toMatchObject({ prefixCount: 51 });
  });
});
