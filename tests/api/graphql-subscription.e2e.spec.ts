import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessLiveBus } from '../../src/projections/to-nats/in-process-live-bus.ts';
import { answersFor, call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { subscribe, until } from '../support/graphql-client.ts';

/**
 * `subscription { results }` over a real websocket (graphql-transport-ws): fed by the app's live
 * hub (the websocket and SSE routes' one), refused where liveResults is refused, with its code.
 */
const RESULTS = 'subscription ($pollId: ID!) { results(pollId: $pollId) { type position results { totalBallots questions { kind rounds { round } } } } }';

let t: TestApp;
let baseUrl: string;
let owner: Caller;

beforeAll(async () => {
  t = await createTestApp({}, { bus: new InProcessLiveBus() });
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  owner = await callerWith(t, 'organizer');
});
afterAll(async () => t?.close());

/** What REST's live feed answers this caller: the plain GET of the websocket route (426 once let in). */
const liveFeed = async (pollId: string, caller?: Caller) => call(t.app, { method: 'GET', url: `/api/polls/${pollId}/live`, ...(caller ? { caller } : {}) });

describe('subscription results', () => {
  it('gets a snapshot, then a frame after a ballot is cast, through the live hub', async () => {
    const poll = await openedPoll(t.app, owner);
    const viewer = await subscribe(baseUrl, RESULTS, { pollId: poll.pollId });
    try {
      const [snapshot] = await until(() => (viewer.frames().length >= 1 ? viewer.frames() : undefined));
      expect(snapshot.data.results).toMatchObject({ type: 'snapshot', results: { totalBallots: 0 } });
      expect(t.app.liveEdge.metrics().viewersByPoll[poll.pollId]).toBe(1);
      const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: answersFor(poll) } });
      expect(cast.status).toBe(201);
      const frame = await until(() => viewer.frames().find((f) => f.data.results.results.totalBallots === 1));
      expect(frame.data.results).toMatchObject({ type: 'results', position: cast.body.position });
      expect(frame.data.results.results.questions[2]).toMatchObject({ kind: 'ranked', rounds: [{ round: 1 }] });
    } finally {
      await viewer.close();
    }
    // The viewer leaves the hub with its socket.
    await until(() => (t.app.liveEdge.metrics().viewersByPoll[poll.pollId] === undefined ? true : undefined));
  });

  it('is refused where liveResults is refused, with its code: hidden results, a draft', async () => {
    const hidden = await openedPoll(t.app, owner, { showResultsBeforeClose: false });
    const draft = (await call(t.app, { method: 'POST', url: '/api/polls', caller: owner, payload: lunchPoll() })).body;
    for (const [pollId, code, status] of [[hidden.pollId, 'results.hidden', 403], [draft.pollId, 'poll.not-found', 404]] as const) {
      expect(await liveFeed(pollId)).toMatchObject({ status, body: { code } });
      const viewer = await subscribe(baseUrl, RESULTS, { pollId });
      try {
        const error = await until(() => viewer.messages.find((m) => m.type === 'error'));
        expect(error.payload[0].extensions).toMatchObject({ code, status });
        expect(viewer.frames()).toEqual([]);
      } finally {
        await viewer.close();
      }
    }
  });

  it('holds at most 10 subscriptions on one websocket', async () => {
    const poll = await openedPoll(t.app, owner);
    const viewer = await subscribe(baseUrl, RESULTS, { pollId: poll.pollId });
    try {
      for (let id = 2; id <= 11; id++) viewer.again(String(id));
      const error = await until(() => viewer.messages.find((m) => m.type === 'error'));
      expect(error.payload[0].extensions).toMatchObject({ code: 'live.too-many-subscriptions', status: 429 });
      await until(() => (new Set(viewer.frames().length ? viewer.messages.filter((m) => m.type === 'next').map((m) => m.id) : []).size === 10 ? true : undefined));
    } finally {
      await viewer.close();
    }
  });

  it('lets in whom liveResults lets in: the organizer of a poll that hides its results, by the token in connection_init', async () => {
    const hidden = await openedPoll(t.app, owner, { showResultsBeforeClose: false });
    expect((await liveFeed(hidden.pollId, owner)).status).toBe(426);
    const viewer = await subscribe(baseUrl, RESULTS, { pollId: hidden.pollId }, owner);
    try {
      const [snapshot] = await until(() => (viewer.frames().length >= 1 ? viewer.frames() : undefined));
      expect(snapshot.data.results.type).toBe('snapshot');
    } finally {
      await viewer.close();
    }
  });
});
