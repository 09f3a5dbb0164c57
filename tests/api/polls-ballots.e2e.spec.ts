import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/** The Polls and Voting tables of API.md, through HTTP, with every status they list. */
let t: TestApp;
let organizer: Caller;
let voter: Caller;

beforeAll(async () => {
  t = await createTestApp();
  organizer = await callerWith(t, 'organizer');
  voter = await callerWith(t);
});
afterAll(async () => t?.close());

describe('createPoll / getPoll / openPoll / closePoll', () => {
  it('creates a draft with ids for every question and option, opens and closes it', async () => {
    const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ pollId: expect.any(String), slug: expect.stringMatching(/^lunch-[0-9a-f]{6}$/), status: 'draft' });
    const { pollId } = created.body;
    const poll = await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: organizer });
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ pollId, status: 'draft', title: 'Lunch', organizerId: organizer.userId });
    expect(poll.body.questions.map((q: any) => q.kind)).toEqual(['single', 'multiple', 'ranked', 'rating']);
    expect(poll.body.questions[0].options[0]).toEqual({ optionId: expect.any(String), text: 'Pizza' });
    // a draft is the organizer's business
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: voter })).status).toBe(404);

    expect(await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer })).toMatchObject({
      status: 200,
      body: { status: 'active' },
    });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer })).status).toBe(409);
    expect(await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/close`, caller: organizer })).toMatchObject({
      status: 200,
      body: { status: 'closed' },
    });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/close`, caller: organizer })).status).toBe(409);
  });

  it('401 without a token, 403 for a voter, 422 with the field at fault, and nothing written', async () => {
    expect((await call(t.app, { method: 'POST', url: '/api/polls', payload: lunchPoll() })).status).toBe(401);
    expect((await call(t.app, { method: 'POST', url: '/api/polls', caller: voter, payload: lunchPoll() })).status).toBe(403);
    const oneOption = lunchPoll();
    oneOption.questions[0]!.options = [{ text: 'Pizza' }];
    const bad = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: oneOption });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.body).toMatchObject({ status: 422, code: 'poll.invalid-options', field: 'questions[0].options' });
    const unknownField = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: { ...lunchPoll(), colour: 'red' } });
    expect(unknownField).toMatchObject({ status: 422, body: { code: 'request.invalid', field: 'body.colour' } });
    const head = await committedHead(t.services);
    await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: { title: '' } });
    expect(await committedHead(t.services)).toBe(head);
  });

  it('an option may carry a picture (imageUrl, http or https); anything else is 422 at that field and writes nothing', async () => {
    const withPicture = lunchPoll();
    withPicture.questions[0]!.options = [{ text: 'Pizza', imageUrl: 'https://img.example.org/pizza.png' }, { text: 'Sushi' }];
    const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: withPicture });
    expect(created.status).toBe(201);
    const poll = await call(t.app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer });
    expect(poll.body.questions[0].options).toEqual([
      { optionId: expect.any(String), text: 'Pizza', imageUrl: 'https://img.example.org/pizza.png' },
      { optionId: expect.any(String), text: 'Sushi' },
    ]);
    const head = await committedHead(t.services);
    for (const [imageUrl, code, field] of [
      ['javascript:alert(1)', 'request.invalid', 'body.questions.0.options.1.imageUrl'],
      ['https://', 'poll.invalid-option-image', 'questions[0].options[1].imageUrl'],
    ]) {
      const bad = lunchPoll();
      bad.questions[0]!.options = [{ text: 'Pizza' }, { text: 'Sushi', imageUrl }];
      const refused = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: bad });
      expect(refused).toMatchObject({ status: 422, body: { code, field } });
    }
    expect(await committedHead(t.services)).toBe(head);
  });

  it('only the organizer (or an admin) opens, closes and issues tokens: 403 otherwise, 404 for no poll', async () => {
    const other = await callerWith(t, 'organizer');
    const admin = await callerWith(t, 'admin');
    const { pollId } = (await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() })).body;
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: other })).status).toBe(403);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: admin })).status).toBe(200);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/00000000-0000-4000-8000-000000000000/open`, caller: admin })).status).toBe(404);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/not-a-uuid/open`, caller: admin })).status).toBe(400);
  });
});

describe('castBallot / changeBallot', () => {
  it('201 with ballotId, receipt and position; a second ballot is 409 already-voted', async () => {
    const poll = await openedPoll(t.app, organizer);
    const first = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(first).toMatchObject({ status: 201, body: { ballotId: expect.any(String), receipt: expect.any(String), position: expect.any(Number) } });
    const second = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(second).toMatchObject({ status: 409, body: { code: 'already-voted' } });
  });

  it('422 for an invalid answer, with the field at fault; 401 for an account poll without a token; 404 for no poll', async () => {
    const poll = await openedPoll(t.app, organizer);
    const answers = answersFor(poll);
    answers[3] = { questionId: answers[3]!.questionId, rating: 9 };
    const bad = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers } });
    expect(bad).toMatchObject({ status: 422, body: { field: 'answers[3].rating' } });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll) } })).status).toBe(401);
    expect(
      (await call(t.app, { method: 'POST', url: `/api/polls/00000000-0000-4000-8000-000000000000/ballots`, caller: voter, payload: { answers } })).status,
    ).toBe(404);
  });

  it('409 poll-not-active on a draft and on a closed poll', async () => {
    const { pollId } = (await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll() })).body;
    const draft = await call(t.app, { method: 'GET', url: `/api/polls/${pollId}`, caller: organizer });
    const onDraft = await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: voter, payload: { answers: answersFor(draft.body) } });
    expect(onDraft).toMatchObject({ status: 409, body: { code: 'poll-not-active' } });
    await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/open`, caller: organizer });
    await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/close`, caller: organizer });
    const onClosed = await call(t.app, { method: 'POST', url: `/api/polls/${pollId}/ballots`, caller: voter, payload: { answers: answersFor(draft.body) } });
    expect(onClosed).toMatchObject({ status: 409, body: { code: 'poll-not-active' } });
  });

  it('changeBallot: 200 keeping the ballot id where allowed, 409 where the poll forbids it', async () => {
    const poll = await openedPoll(t.app, organizer, { allowChangeVote: true });
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    const changed = await call(t.app, { method: 'PUT', url: `/api/polls/${poll.pollId}/ballots/mine`, caller: voter, payload: { answers: answersFor(poll).slice(0, 1) } });
    expect(changed).toMatchObject({ status: 200, body: { ballotId: cast.body.ballotId } });
    expect(changed.body.position).toBeGreaterThan(cast.body.position);
    const fixed = await openedPoll(t.app, organizer);
    await call(t.app, { method: 'POST', url: `/api/polls/${fixed.pollId}/ballots`, caller: voter, payload: { answers: answersFor(fixed) } });
    const refused = await call(t.app, { method: 'PUT', url: `/api/polls/${fixed.pollId}/ballots/mine`, caller: voter, payload: { answers: answersFor(fixed) } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'ballot.change-not-allowed' } });
    const nobody = await callerWith(t);
    expect((await call(t.app, { method: 'PUT', url: `/api/polls/${poll.pollId}/ballots/mine`, caller: nobody, payload: { answers: answersFor(poll) } })).status).toBe(404);
  });

  it('200 concurrent castBallot calls by one voter: exactly one 201 and 199 × 409', async () => {
    const poll = await openedPoll(t.app, organizer);
    const one = await callerWith(t);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () =>
        call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: one, payload: { answers: answersFor(poll) } }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(199);
  });

  it('token polls: one ballot per issued token, 403 for an unknown token, tokens shown once', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'token' });
    const issued = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: organizer, payload: { count: 3 } });
    expect(issued).toMatchObject({ status: 201, body: { tokens: [expect.any(String), expect.any(String), expect.any(String)] } });
    expect(issued.headers['cache-control']).toBe('no-store');
    const [token] = issued.body.tokens;
    const ok = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll), voteToken: token } });
    expect(ok.status).toBe(201);
    const again = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll), voteToken: token } });
    expect(again).toMatchObject({ status: 409, body: { code: 'already-voted' } });
    const forged = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll), voteToken: 'forged' } });
    expect(forged.status).toBe(403);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, caller: voter, payload: { count: 1 } })).status).toBe(403);
    const accountPoll = await openedPoll(t.app, organizer);
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${accountPoll.pollId}/tokens`, caller: organizer, payload: { count: 1 } })).status).toBe(409);
  });

  it('anonymous polls store a keyed voter hash, never the account id', async () => {
    const poll = await openedPoll(t.app, organizer, { anonymous: true });
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(cast.status).toBe(201);
    await committedHead(t.services); // a ballot answers at its commit, maybe before the log is readable through it
    const all = await t.services.store.readAll({ from: 0n, limit: 10_000, categories: ['ballot'] });
    const mine = all.events.find((e) => (e.data as any).ballotId === cast.body.ballotId)!;
    expect(mine.stream).toMatch(new RegExp(`^ballot-${poll.pollId}-a\\.[0-9a-f]{64}$`));
    expect(JSON.stringify({ data: mine.data, metadata: mine.metadata })).not.toContain(voter.userId);
  });

  it('open polls: one ballot per client fingerprint, no login needed', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'open' });
    const headers = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' };
    const first = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, headers, payload: { answers: answersFor(poll) } });
    expect(first.status).toBe(201);
    const second = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, headers, payload: { answers: answersFor(poll) } });
    expect(second.status).toBe(409);
    const otherBrowser = await call(t.app, {
      method: 'POST',
      url: `/api/polls/${poll.pollId}/ballots`,
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' },
      payload: { answers: answersFor(poll) },
    });
    expect(otherBrowser.status).toBe(201);
  });

  it('verified polls: 403 until the account has a verified national id', async () => {
    const poll = await openedPoll(t.app, organizer, { voterPolicy: 'verified' });
    const refused = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } });
    expect(refused).toMatchObject({ status: 403, body: { code: 'ballot.verification-required' } });
  });

  it('an Idempotency-Key makes a retried ballot return the first answer', async () => {
    const poll = await openedPoll(t.app, organizer);
    const request = {
      method: 'POST' as const,
      url: `/api/polls/${poll.pollId}/ballots`,
      caller: voter,
      headers: { 'idempotency-key': 'retry-1' },
      payload: { answers: answersFor(poll) },
    };
    const first = await call(t.app, request);
    const retried = await call(t.app, request);
    expect(first.status).toBe(201);
    expect(retried.body).toEqual(first.body);
  });
});

describe('listPolls', () => {
  it('lists public active polls to anyone, drafts only to their organizer, and pages with a cursor', async () => {
    const own = await callerWith(t, 'organizer');
    const created: string[] = [];
    for (let i = 0; i < 3; i++) created.push((await openedPoll(t.app, own)).pollId);
    const draft = (await call(t.app, { method: 'POST', url: '/api/polls', caller: own, payload: lunchPoll() })).body.pollId;

    const mine = await call(t.app, { method: 'GET', url: '/api/polls?mine=true&limit=2', caller: own });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((p: any) => p.pollId)).toEqual([draft, created[2]]);
    const next = await call(t.app, { method: 'GET', url: `/api/polls?mine=true&limit=2&cursor=${mine.body.nextCursor}`, caller: own });
    expect(next.body.items.map((p: any) => p.pollId)).toEqual([created[1], created[0]]);
    expect(next.body.nextCursor).toBeNull();

    const anonymous = await call(t.app, { method: 'GET', url: '/api/polls?status=active&limit=100' });
    const seen = anonymous.body.items.map((p: any) => p.pollId);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(seen).not.toContain(draft);
    expect((await call(t.app, { method: 'GET', url: '/api/polls?mine=true' })).status).toBe(401);
    expect((await call(t.app, { method: 'GET', url: '/api/polls?cursor=bogus' })).status).toBe(422);
  });

  it('getPoll finds a poll by its slug', async () => {
    const poll = await openedPoll(t.app, organizer);
    const bySlug = await call(t.app, { method: 'GET', url: `/api/polls/${poll.slug}` });
    expect(bySlug).toMatchObject({ status: 200, body: { pollId: poll.pollId } });
    expect((await call(t.app, { method: 'GET', url: '/api/polls/no-such-slug' })).status).toBe(404);
  });
});
