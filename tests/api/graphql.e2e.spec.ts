import { getIntrospectionQuery } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { gql, refusal } from '../support/graphql-client.ts';

/**
 * The GraphQL read API over real HTTP against a listening server: each read answers what its REST
 * operation answers (the same query functions underneath), and the limits refuse what is too deep,
 * too costly, too large or pages too long.
 */
let t: TestApp;
let baseUrl: string;
let owner: Caller;
let poll: any;
const callers: Record<string, Caller> = {};

/** Three rankings with no majority in the first round: the ranked question needs a runoff. */
function ballot(poll: any, ranking: number[]) {
  const answers = answersFor(poll);
  const ranked = poll.questions[2];
  answers[2] = { questionId: ranked.questionId, ranking: ranking.map((i) => ranked.options[i].optionId) };
  return { answers };
}

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  owner = await callerWith(t, 'organizer');
  for (const role of ['admin', 'analyst', 'reviewer', 'auditor'] as const) callers[role] = await callerWith(t, role);
  for (let i = 0; i < 3; i++) await openedPoll(t.app, owner);
  poll = await openedPoll(t.app, owner);
  let ballotId = '';
  let position = 0;
  for (const ranking of [[0, 1, 2], [1, 0, 2], [2, 1, 0]]) {
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: ballot(poll, ranking) });
    expect(cast.status).toBe(201);
    ({ ballotId, position } = cast.body);
  }
  // The flag finds its ballot through the ballots read model.
  await t.services.readModelsAt(BigInt(position));
  const flagged = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${ballotId}/flags`, caller: callers.reviewer, payload: { reason: 'looks odd' } });
  expect(flagged.status).toBe(201);
  await t.services.readModelsAt(BigInt(flagged.body.position));
});
afterAll(async () => t?.close());

const rest = async (url: string, caller?: Caller) => (await call(t.app, { method: 'GET', url, ...(caller ? { caller } : {}) })).body;

describe('reads, as REST answers them', () => {
  it('poll by id and by slug', async () => {
    const query = 'query ($id: String!) { poll(id: $id) { pollId slug title status settings { visibility } questions { questionId kind options { optionId text } } } }';
    for (const id of [poll.pollId, poll.slug]) {
      const { status, body } = await gql(baseUrl, query, { id });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.poll).toMatchObject({ pollId: poll.pollId, slug: poll.slug, title: 'Lunch', status: 'active', settings: { visibility: 'public' } });
      expect(body.data.poll.questions.map((q: any) => q.questionId)).toEqual(poll.questions.map((q: any) => q.questionId));
    }
    const missing = await gql(baseUrl, '{ poll(id: "no-such-poll") { title } }');
    expect(missing.body.data.poll).toBeNull();
    expect(refusal(missing.body)).toMatchObject({ code: 'poll.not-found', status: 404 });
  });

  it('polls a page at a time with listPolls’ cursors, in its order', async () => {
    const query = 'query ($after: String) { polls(first: 2, after: $after) { nodes { pollId ballots questions { kind } } pageInfo { hasNextPage endCursor } } }';
    const first = await gql(baseUrl, query);
    expect(first.body.data.polls.pageInfo.hasNextPage).toBe(true);
    const second = await gql(baseUrl, query, { after: first.body.data.polls.pageInfo.endCursor });
    expect(second.body.data.polls.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    const listed = [...first.body.data.polls.nodes, ...second.body.data.polls.nodes];
    expect(listed.map((p: any) => p.pollId)).toEqual((await rest('/api/polls?limit=100')).items.map((p: any) => p.pollId));
    expect(listed.find((p: any) => p.pollId === poll.pollId)).toMatchObject({ ballots: 3, questions: [{ kind: 'single' }, { kind: 'multiple' }, { kind: 'ranked' }, { kind: 'rating' }] });
  });

  it('results with the instant-runoff rounds of the ranked question', async () => {
    const query = `query ($id: String!) { poll(id: $id) { title status results { totalBallots flaggedPending position
      questions { questionId kind options { optionId votes percentage } winner average distribution { value ballots }
        rounds { round tallies { optionId votes } eliminated exhausted } } } } }`;
    const { body } = await gql(baseUrl, query, { id: poll.pollId });
    expect(body.errors).toBeUndefined();
    const results = body.data.poll.results;
    const expected = await rest(`/api/polls/${poll.pollId}/results`);
    expect(results).toMatchObject({ totalBallots: 3, flaggedPending: 1, position: expected.position });
    const ranked = results.questions[2];
    expect(ranked.rounds.length).toBeGreaterThan(1);
    expect(ranked.rounds.map((r: any) => ({ ...r, tallies: Object.fromEntries(r.tallies.map((x: any) => [x.optionId, x.votes])) }))).toEqual(expected.questions[2].rounds);
    expect(ranked.winner).toBe(expected.questions[2].winner);
    expect(results.questions[3].distribution).toContainEqual({ value: 4, ballots: 3 });
  });

  it('the raw tally beside the results for whom getResults shows it', async () => {
    const query = 'query ($id: String!) { poll(id: $id) { results { totalBallots raw { totalBallots rejectedBallots pendingFlags position } } } }';
    const anonymous = await gql(baseUrl, query, { id: poll.pollId });
    expect(anonymous.body.data.poll.results).toMatchObject({ totalBallots: 3, raw: null });
    expect((await rest(`/api/polls/${poll.pollId}/results`)).raw).toBeUndefined();
    for (const caller of [owner, callers.reviewer!]) {
      const { body } = await gql(baseUrl, query, { id: poll.pollId }, caller);
      const { totalBallots, rejectedBallots, pendingFlags, position } = (await rest(`/api/polls/${poll.pollId}/results`, caller)).raw;
      expect(body.data.poll.results.raw).toEqual({ totalBallots, rejectedBallots, pendingFlags, position });
      expect(body.data.poll.results.raw).toMatchObject({ totalBallots: 3, pendingFlags: 1 });
    }
  });

  it('analytics for the organizer', async () => {
    const query = 'query ($id: String!) { poll(id: $id) { analytics(bucket: hour) { totalBallots uniqueVoters granularity devices { key ballots } timeSeries { ballots } questions { answered } } } }';
    const { body } = await gql(baseUrl, query, { id: poll.pollId }, owner);
    expect(body.errors).toBeUndefined();
    const expected = await rest(`/api/polls/${poll.pollId}/analytics?bucket=hour`, owner);
    expect(body.data.poll.analytics).toMatchObject({ totalBallots: expected.totalBallots, uniqueVoters: 3, granularity: 'hour' });
    expect(Object.fromEntries(body.data.poll.analytics.devices.map((d: any) => [d.key, d.ballots]))).toEqual(expected.devices);
  });

  it('the review queue for a reviewer', async () => {
    const query = 'query ($pollId: ID) { flags(pollId: $pollId, status: pending) { nodes { flagId pollId ballotId reasons status flaggedBy } pageInfo { hasNextPage } } }';
    const { body } = await gql(baseUrl, query, { pollId: poll.pollId }, callers.reviewer);
    expect(body.errors).toBeUndefined();
    const expected = await rest(`/api/review/flags?pollId=${poll.pollId}&status=pending`, callers.reviewer);
    expect(body.data.flags.nodes).toEqual(expected.items.map(({ flagId, pollId, ballotId, reasons, status, flaggedBy }: any) => ({ flagId, pollId, ballotId, reasons, status, flaggedBy })));
    expect(body.data.flags.nodes[0]).toMatchObject({ reasons: ['looks odd'], status: 'pending' });
  });

  it('audit events for an auditor, a page at a time', async () => {
    const query = 'query ($id: String!, $after: String) { poll(id: $id) { auditEvents(first: 3, after: $after) { nodes { position type stream hash redacted data } pageInfo { hasNextPage endCursor } } } }';
    const types: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body } = await gql(baseUrl, query, { id: poll.pollId, after }, callers.auditor);
      expect(body.errors).toBeUndefined();
      const { nodes, pageInfo } = body.data.poll.auditEvents;
      types.push(...nodes.map((e: any) => e.type));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    const expected = await rest(`/api/polls/${poll.pollId}/audit/events?limit=1000`, callers.auditor);
    expect(types).toEqual(expected.items.map((e: any) => e.type));
    expect(types).toEqual(expect.arrayContaining(['PollCreated', 'PollOpened', 'BallotCast', 'BallotFlagged']));
  });
});

describe('limits', () => {
  it('refuses a query above the cost budget before reading anything', async () => {
    const { status, body } = await gql(baseUrl, '{ polls(first: 100) { nodes { results { totalBallots } analytics { totalBallots } } } }');
    expect(status).toBe(400);
    expect(body.data).toBeNull();
    expect(refusal(body)).toMatchObject({ code: 'graphql.too-costly' });
    const cheap = await gql(baseUrl, '{ polls(first: 100) { nodes { results { totalBallots } } } }');
    expect(cheap.body.errors).toBeUndefined();
  });

  it('answers the standard introspection query and every read of the schema, and refuses what is nested deeper than the limit', async () => {
    const introspection = await gql(baseUrl, getIntrospectionQuery());
    expect(introspection.status).toBe(200);
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
    const deepest = '{ polls { nodes { results { questions { rounds { tallies { votes } } } } } } }';
    expect((await gql(baseUrl, deepest)).body.errors).toBeUndefined();
    // Today's types have no cycle to nest past the default limit: a smaller one shows the refusal.
    const shallow = await buildApp({ logger: pino({ level: 'silent' }), services: t.services, healthChecks: { required: {} }, graphql: { limits: { maxDepth: 4 } } });
    try {
      const url = await shallow.listen({ host: '127.0.0.1', port: 0 });
      const refused = await gql(url, `{ ...Deep } fragment Deep on Query ${deepest}`);
      expect(refused.status).toBe(400);
      expect(refusal(refused.body)).toMatchObject({ code: 'graphql.too-deep', depth: 7, maxDepth: 4 });
      expect((await gql(url, '{ polls { nodes { results { totalBallots } } } }')).body.errors).toBeUndefined();
    } finally {
      await shallow.close();
    }
  });

  it('bounds `first` as REST bounds `limit`', async () => {
    const { body } = await gql(baseUrl, '{ polls(first: 101) { nodes { pollId } } }');
    expect(refusal(body)).toMatchObject({ code: 'request.invalid', status: 422 });
    const audit = await gql(baseUrl, 'query ($id: String!) { poll(id: $id) { auditEvents(first: 0) { nodes { type } } } }', { id: poll.pollId }, callers.auditor);
    expect(refusal(audit.body)).toMatchObject({ code: 'request.invalid' });
    // REST's largest audit page fits the cost budget on its own.
    const largest = await gql(baseUrl, 'query ($id: String!) { poll(id: $id) { auditEvents(first: 1000) { nodes { type } } } }', { id: poll.pollId }, callers.auditor);
    expect(largest.body.errors).toBeUndefined();
  });

  it('refuses a document of too many tokens and a body over the size limit', async () => {
    const many = await gql(baseUrl, `{ polls { nodes { ${'title '.repeat(2_100)} } } }`);
    expect(many.status).toBe(400);
    expect(refusal(many.body).code).toBe('graphql.invalid');
    const large = await gql(baseUrl, `{ polls { nodes { title } } } # ${'x'.repeat(20_000)}`);
    expect(large.status).toBe(413);
    expect(refusal(large.body).code).toMatch(/^request\./);
  });
});

describe('the endpoint', () => {
  it('serves GraphiQL in development only, and stays out of the OpenAPI document', async () => {
    expect((await fetch(`${baseUrl}/graphiql`)).status).toBe(200);
    const production = await buildApp({ logger: pino({ level: 'silent' }), services: t.services, healthChecks: { required: {} }, graphql: { graphiql: false } });
    try {
      const url = await production.listen({ host: '127.0.0.1', port: 0 });
      expect((await fetch(`${url}/graphiql`)).status).toBe(404);
      expect((await gql(url, '{ polls { nodes { pollId } } }')).status).toBe(200);
    } finally {
      await production.close();
    }
    const document = (await (await fetch(`${baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('graph'))).toEqual([]);
  });
});
