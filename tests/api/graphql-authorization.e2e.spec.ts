import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount } from '../support/accounts.ts';
import { call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { EVERYONE, READS_ALLOWED, rolesOf, type Who } from '../support/authorization-table.ts';
import { gql, refusal } from '../support/graphql-client.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * The REST authorization matrix, asked over GraphQL: each read is allowed to exactly whom its
 * REST operation allows (the same table, tests/support/authorization-table.ts) and refused with
 * the same status and code, carried in `extensions`. Then the draft rule and what a token must be.
 */
interface Read {
  /** liveResults is the subscription's: tests/api/graphql-subscription.e2e.spec.ts. */
  id: Exclude<keyof typeof READS_ALLOWED, 'liveResults'>;
  query: string;
}

const READS: Read[] = [
  { id: 'getPoll', query: 'query ($id: String!) { poll(id: $id) { pollId title } }' },
  { id: 'listPolls', query: '{ polls { nodes { pollId } } }' },
  { id: 'getResults', query: 'query ($id: String!) { poll(id: $id) { results { totalBallots } } }' },
  { id: 'getAnalytics', query: 'query ($id: String!) { poll(id: $id) { analytics { totalBallots } } }' },
  { id: 'listFlags', query: '{ flags { nodes { flagId } } }' },
  { id: 'listAuditEvents', query: 'query ($id: String!) { poll(id: $id) { auditEvents { nodes { type } } } }' },
];

let t: TestApp;
let baseUrl: string;
let poll: any;
let draft: any;
const callers = new Map<Who, Caller | undefined>();

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  callers.set('anonymous', undefined);
  for (const who of EVERYONE.filter((w) => w !== 'anonymous')) callers.set(who, await callerWith(t, ...rolesOf(who)));
  poll = await openedPoll(t.app, callers.get('owner')!);
  draft = (await call(t.app, { method: 'POST', url: '/api/polls', caller: callers.get('owner'), payload: lunchPoll() })).body;
  await t.services.readModelsAt(await committedHead(t.services));
});
afterAll(async () => t?.close());

const ask = (query: string, who: Who, id: string = poll.pollId) => gql(baseUrl, query, query.includes('$id') ? { id } : {}, callers.get(who));

describe.each(READS)('$id', (read) => {
  it.each(EVERYONE)('%s', async (who) => {
    const { status, body } = await ask(read.query, who);
    expect(status).toBe(200);
    const { code, status: refused } = refusal(body);
    if ((READS_ALLOWED[read.id] as readonly Who[]).includes(who)) {
      expect(body.errors, `${read.id} as ${who}`).toBeUndefined();
    } else {
      expect(refused, `${read.id} as ${who}: ${code}`).toBe(who === 'anonymous' ? 401 : 403);
      // The code REST answers for the same refusal.
      const rest = await call(t.app, { method: 'GET', url: restUrl(read.id), ...(callers.get(who) ? { caller: callers.get(who)! } : {}) });
      expect(code).toBe(rest.body.code);
    }
  });
});

function restUrl(id: Read['id']): string {
  return {
    getPoll: `/api/polls/${poll.pollId}`,
    listPolls: '/api/polls',
    getResults: `/api/polls/${poll.pollId}/results`,
    getAnalytics: `/api/polls/${poll.pollId}/analytics`,
    listFlags: '/api/review/flags',
    listAuditEvents: `/api/polls/${poll.pollId}/audit/events`,
  }[id];
}

describe('a draft is its organizer’s and the admins’ only', () => {
  it.each(EVERYONE)('%s', async (who) => {
    const { body } = await ask('query ($id: String!) { poll(id: $id) { pollId results { totalBallots } } }', who, draft.slug);
    if (who === 'owner' || who === 'admin') {
      expect(body.errors).toBeUndefined();
      expect(body.data.poll.pollId).toBe(draft.pollId);
    } else {
      expect(refusal(body)).toMatchObject({ code: 'poll.not-found', status: 404 });
      // Found by its slug, it must not give its id away.
      expect(JSON.stringify(body)).not.toContain(draft.pollId);
    }
    const listed = await ask('{ polls(first: 100, status: draft) { nodes { pollId } } }', who);
    const ids = listed.body.data.polls.nodes.map((p: any) => p.pollId);
    if (who === 'owner' || who === 'admin') expect(ids).toContain(draft.pollId);
    else expect(ids).not.toContain(draft.pollId);
  });
});

describe('a token counts only for a live account, in the right shape', () => {
  it('a bad token is refused with REST’s 401 code, not read as anonymous', async () => {
    const garbage = await gql(baseUrl, '{ polls { nodes { pollId } } }', {}, { userId: '', headers: { authorization: 'Bearer not-a-token' } });
    expect(refusal(garbage.body)).toMatchObject({ code: 'auth.invalid-token', status: 401 });
    const forged = t.app.jwt.sign({ sub: randomUUID(), roles: ['voter', 'admin'], tokenVersion: 0 } as never);
    const unknown = await gql(baseUrl, '{ flags { nodes { flagId } } }', {}, { userId: '', headers: { authorization: `Bearer ${forged}` } });
    expect(refusal(unknown.body)).toMatchObject({ code: 'auth.unknown-account', status: 401 });
  });

  it('a session opened with a setup token may read nothing here', async () => {
    const { userId } = await seedAccount(t.services, ['admin']);
    const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter', 'admin'], tokenVersion: 0, mustChangePassword: true });
    const { body } = await gql(baseUrl, '{ flags { nodes { flagId } } }', {}, { userId, headers: { authorization: `Bearer ${accessToken}` } });
    expect(refusal(body)).toMatchObject({ code: 'auth.password-change-required', status: 403 });
  });
});
