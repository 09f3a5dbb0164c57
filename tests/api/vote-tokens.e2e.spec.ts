import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import type { IssuedTokensInMemory } from '../../src/adapters/vote-tokens/tokens-in-memory.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createServices, type Services } from '../../src/runtime/services.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Vote tokens through HTTP on two API nodes sharing one database: a node's memory does not grow
 * with the tokens issued past its budget of hashes held (VOTE_TOKENS_IN_MEMORY; the rest are
 * looked up by hash in the log), a token issued through one node
 * votes through another or after a restart, a poll's maximum holds, and a retried issuance never
 * hands out tokens that were not issued.
 */
let t: TestApp;
let organizer: Caller;
const nodes: Array<{ app: FastifyInstance; services: Services; store: PostgresEventStore }> = [];

/** Hashes each node of this file holds in memory: one batch of 10,000, so the measure below starts with the budget full. */
const IN_MEMORY = 10_000;

/** Another API node on the same database (no projections), as `pollster serve` runs one. */
async function otherNode(options: { maxVoteTokensPerPoll?: number } = {}) {
  const store = new PostgresEventStore({ connectionString: t.db.url });
  const services = await createServices({ store, databaseUrl: t.db.url, registryUrl: t.registryUrl, sqlPoolSize: 2, voteTokensInMemory: IN_MEMORY, ...options });
  const app = await buildApp({ logger: pino({ level: 'silent' }), services, healthChecks: { required: {} }, http: { ballotsPerMinute: 0, authPerMinute: 0 } });
  await app.ready();
  const node = { app, services, store };
  nodes.push(node);
  return node;
}

async function stop(node: (typeof nodes)[number]) {
  nodes.splice(nodes.indexOf(node), 1);
  await node.app.close();
  await node.services.close();
  await node.store.close();
}

const issue = (app: FastifyInstance, pollId: string, count: number, headers: Record<string, string> = {}) =>
  call(app, { method: 'POST', url: `/api/polls/${pollId}/tokens`, caller: organizer, payload: { count }, headers });
const vote = (app: FastifyInstance, poll: any, voteToken: string) =>
  call(app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll), voteToken } });

beforeAll(async () => {
  t = await createTestApp({}, undefined, undefined, { voteTokensInMemory: IN_MEMORY });
  organizer = await callerWith(t, 'organizer');
});
afterAll(async () => {
  for (const node of [...nodes]) await stop(node);
  await t?.close();
});

describe('memory per node', () => {
  // The heap after a full collection: what the node keeps, not what it has not freed yet.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapUsed = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };

  it('100,000 tokens issued in batches: past the hashes it holds, neither the issuing node nor a voting node grows with them', { timeout: 180_000 }, async () => {
    const voting = await otherNode();
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const issueBatches = async (batches: number) => {
      const kept: string[] = [];
      for (let batch = 0; batch < batches; batch++) {
        const issued = await issue(t.app, poll.pollId, 10_000);
        expect(issued.status).toBe(201);
        expect(issued.body.tokens).toHaveLength(10_000);
        kept.push(issued.body.tokens[batch * 7]); // one per batch, the rest dropped as a client would
      }
      // Both nodes' tails have folded every batch into their cached poll states by now. (The
      // issuing node learns its own issuance from its tail too: a ballot fenced on the poll no
      // longer re-reads the poll after a VoteTokensIssued, which had fed it sooner.)
      const head = await committedHead(t.services);
      for (const node of [voting, t]) await node.services.commands.polls.closedBefore(poll.pollId, head);
      for (const [i, token] of kept.entries()) expect((await vote(i % 2 ? voting.app : t.app, poll, token)).status).toBe(201);
    };
    // A first batch through both nodes: every bounded cache (poll states, shared log pages, pools,
    // compiled code) is as full as it gets before the measure, so what remains is growth per token.
    await issueBatches(1);
    const held = (node: { services: Services }) => (node.services.commands.voteTokens as IssuedTokensInMemory).size;
    expect([held(t), held(voting)]).toEqual([IN_MEMORY, IN_MEMORY]);
    const before = heapUsed();
    const started = performance.now();
    await issueBatches(10);
    const issueMs = (performance.now() - started) / 10;
    const perToken = (heapUsed() - before) / 100_000;

    console.log(`heap per issued token, two nodes in this process: ${perToken.toFixed(1)} bytes; ${issueMs.toFixed(0)} ms per batch of 10,000 (issue and vote)`);
    expect(perToken).toBeLessThan(50); // 5 MB for 100,000 tokens: room for a collector's noise, 20 times below the old cost
    expect([held(t), held(voting)]).toEqual([IN_MEMORY, IN_MEMORY]);
  });
});

describe('tokens across nodes', () => {
  it('a token issued through one node votes through another, and after that node restarts; other polls\' and unknown tokens do not', async () => {
    let other = await otherNode();
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const elsewhere = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    await vote(other.app, poll, 'not-a-token'); // the other node caches the poll before any token exists
    const tokens: string[] = (await issue(t.app, poll.pollId, 3)).body.tokens;
    const [foreign] = (await issue(t.app, elsewhere.pollId, 1)).body.tokens;

    expect((await vote(other.app, poll, tokens[0]!)).status).toBe(201);
    expect((await vote(other.app, poll, tokens[0]!)).status).toBe(409);
    await stop(other);
    other = await otherNode();
    expect((await vote(other.app, poll, tokens[1]!)).status).toBe(201);
    expect(await vote(other.app, poll, foreign)).toMatchObject({ status: 403, body: { code: 'ballot.invalid-vote-token' } });
    expect(await vote(other.app, poll, `${tokens[2]}x`)).toMatchObject({ status: 403, body: { code: 'ballot.invalid-vote-token' } });
    expect((await vote(other.app, elsewhere, foreign)).status).toBe(201);
    // Change and read-back ask the registry too.
    const mine = await call(other.app, { method: 'GET', url: `/api/polls/${poll.pollId}/ballots/mine`, headers: { 'vote-token': tokens[1]! } });
    expect(mine.status).toBe(200);
  });
});

describe('the maximum number of tokens', () => {
  it('a poll\'s settings.maxVoteTokens: an issuance past it is refused whole, 422 saying how many are left', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token', maxVoteTokens: 5 });
    expect(poll.settings.maxVoteTokens).toBe(5);
    expect((await issue(t.app, poll.pollId, 3)).status).toBe(201);
    const refused = await issue(t.app, poll.pollId, 3);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'poll.vote-token-limit', field: 'count' });
    expect(refused.body.detail).toContain("may issue at most 5 vote tokens (set by this poll's settings.maxVoteTokens); 3 are issued, so 2 more can be, not 3");
    expect((await issue(t.app, poll.pollId, 2)).status).toBe(201);
    expect((await issue(t.app, poll.pollId, 1)).body.code).toBe('poll.vote-token-limit');
    const events = await t.services.store.readStream(`poll-${poll.pollId}`);
    expect(events.filter((e) => e.type === 'VoteTokensIssued').map((e) => (e.data as any).tokenHashes.length)).toEqual([3, 2]);
  });

  it('concurrent issuances near the maximum: exactly as many as fit go in, the others are 422', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token', maxVoteTokens: 10 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => issue(t.app, poll.pollId, 3)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 422, 422]);
    const events = await t.services.store.readStream(`poll-${poll.pollId}`);
    expect(events.filter((e) => e.type === 'VoteTokensIssued')).toHaveLength(3);
  });

  it('VOTE_TOKENS_MAX_PER_POLL bounds every poll, also one that asked for more', async () => {
    const bounded = await otherNode({ maxVoteTokensPerPoll: 4 });
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token', maxVoteTokens: 100 });
    expect((await issue(bounded.app, poll.pollId, 4)).status).toBe(201);
    const refused = await issue(bounded.app, poll.pollId, 1);
    expect(refused).toMatchObject({ status: 422, body: { code: 'poll.vote-token-limit' } });
    expect(refused.body.detail).toContain('at most 4 vote tokens (set by the server (VOTE_TOKENS_MAX_PER_POLL)); 4 are issued, so 0 more can be, not 1');
  });

  it('createPoll refuses a maximum on a poll without tokens, or out of bounds', async () => {
    const create = (settings: Record<string, unknown>) =>
      call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: { title: 'T', questions: [{ text: 'Q', kind: 'rating', scale: { min: 1, max: 5 } }], settings } });
    expect(await create({ voterPolicy: 'account', maxVoteTokens: 10 })).toMatchObject({ status: 422, body: { code: 'poll.invalid-setting', field: 'settings.maxVoteTokens' } });
    expect((await create({ voterPolicy: 'token', maxVoteTokens: 0 })).status).toBe(422);
    expect((await create({ voterPolicy: 'token', maxVoteTokens: 10_000_001 })).status).toBe(422);
  });
});

describe('a retried issuance (same Idempotency-Key)', () => {
  it('is 409 poll.tokens-already-shown, writes nothing, and the first answer\'s tokens still vote', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const key = { 'idempotency-key': randomUUID() };
    const first = await issue(t.app, poll.pollId, 2, key);
    expect(first.status).toBe(201);
    const again = await issue(t.app, poll.pollId, 2, key);
    expect(again).toMatchObject({ status: 409, body: { code: 'poll.tokens-already-shown' } });
    expect(again.body.tokens).toBeUndefined();
    expect(await issue(t.app, poll.pollId, 3, key)).toMatchObject({ status: 422, body: { code: 'idempotency.key-reused' } });
    expect((await t.services.store.readStream(`poll-${poll.pollId}`)).filter((e) => e.type === 'VoteTokensIssued')).toHaveLength(1);
    for (const token of first.body.tokens) expect((await vote(t.app, poll, token)).status).toBe(201);
  });

  it('two identical requests at the same instant: one 201 whose tokens vote, one 409, never tokens that were not issued', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const key = { 'idempotency-key': randomUUID() };
    const answers = await Promise.all(Array.from({ length: 4 }, () => issue(t.app, poll.pollId, 2, key)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201)!;
    for (const token of winner.body.tokens) expect((await vote(t.app, poll, token)).status).toBe(201);
  });
});
