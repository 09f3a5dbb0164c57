import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, openedPoll } from '../support/api-client.ts';
import { castBallots } from './support/ballots.ts';
import { startEdgeApp, type EdgeTestApp } from './support/edge-app.ts';
import { type LiveClient, SseClient, WsClient } from './support/live-clients.ts';
import { PrivateNats } from './support/private-nats.ts';

/**
 * What viewers see while NATS is away and when it returns (README, "Live results"): the edge
 * re-reads watched polls from the read model every LIVE_RESYNC_MS during the outage, and bus
 * frames are back within about a second of NATS accepting connections again. A nats-server of
 * the test's own is killed (SIGKILL) and restarted; the shared one is never touched.
 */
const RESYNC_MS = 1_000;
const THROTTLE_MS = 200;
/** Ballot → read model → frame on a loaded 2-core machine; the bounds below are the README's plus this. */
const MARGIN_MS = 300;
/**
 * Long enough for several resyncs, and for a reconnect delay that grows with the outage to show:
 * the one this replaced dialled about 3, 6 (at most 8.6 with its jitter) and 11.3 s after the
 * loss, so NATS back at 9 s was seen 2 s late or more.
 */
const OUTAGE_MS = 9_000;

let nats: PrivateNats;
let edge: EdgeTestApp;
beforeAll(async () => {
  nats = await PrivateNats.start();
  edge = await startEdgeApp(nats.url, { throttleMs: THROTTLE_MS, resyncMs: RESYNC_MS });
});
afterAll(async () => {
  await edge?.close();
  await nats?.kill();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Casts one ballot and returns when the read model has it, with the results' new position. */
async function change(poll: any, voter: number): Promise<{ at: number; position: number }> {
  await castBallots(edge, poll, 1, { from: voter, concurrency: 1 });
  await edge.settled();
  const at = performance.now();
  const results = await call(edge.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` });
  return { at, position: results.body.position };
}

/** When every client holds `position` or later; rejects after `withinMs`. */
async function reached(clients: LiveClient[], position: number, withinMs: number): Promise<number> {
  await Promise.all(clients.map((c) => c.waitFor(() => (c.latest?.position ?? -1) >= position, withinMs, `position ${position}`)));
  return Math.max(...clients.map((c) => c.frames.find((f) => f.position >= position)!.at));
}

describe('live edge during a NATS outage', () => {
  it('keeps viewers within LIVE_RESYNC_MS while NATS is down and resumes bus frames within a second of its return', async () => {
    const poll = await openedPoll(edge.app, await callerWith(edge, 'organizer'));
    const clients: LiveClient[] = [
      await WsClient.connect(`${edge.wsUrl}/api/polls/${poll.pollId}/live`),
      await SseClient.connect(`${edge.baseUrl}/api/polls/${poll.pollId}/live/sse`),
    ];
    let voter = 0;
    // Through the bus first: the last bus message before the kill is what the outage is measured from.
    const before = await change(poll, voter++);
    await reached(clients, before.position, 5_000);

    await nats.kill();
    const killedAt = performance.now();
    // Changes while NATS is down: each must reach the viewers by the read model alone.
    const lags: number[] = [];
    for (const pause of [0, 1_300, 1_300]) {
      await sleep(pause);
      const during = await change(poll, voter++);
      const seenAt = await reached(clients, during.position, RESYNC_MS + THROTTLE_MS + MARGIN_MS + 2_000);
      lags.push(seenAt - during.at);
    }
    for (const lag of lags) expect(lag, `change → frame with NATS down (all: ${lags.map(Math.round).join(', ')} ms)`).toBeLessThanOrEqual(RESYNC_MS + THROTTLE_MS + MARGIN_MS);

    // Ballots keep coming across the restart, as in production, so that the first bus message
    // at the edge marks when publisher and edge are both back rather than when a ballot was cast.
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await castBallots(edge, poll, 1, { from: voter++, concurrency: 1 });
        await sleep(50);
      }
    })();
    await sleep(Math.max(0, killedAt + OUTAGE_MS - performance.now()));
    const busMessages = edge.app.liveEdge.metrics().busMessages;
    await nats.restart();
    const upAt = performance.now();
    const when = async (condition: () => boolean) => {
      while (!condition() && performance.now() < upAt + 10_000) await sleep(5);
      return performance.now() - upAt;
    };
    const [edgeBack, publisherBack, busBack] = await Promise.all([
      when(() => edge.buses.edge.connected),
      when(() => edge.buses.publisher.connected),
      when(() => edge.app.liveEdge.metrics().busMessages > busMessages),
    ]);
    streaming = false;
    await stream;
    expect(busBack, 'NATS up → first bus message at the edge').toBeLessThanOrEqual(1_000 + MARGIN_MS);
    expect(edgeBack, 'NATS up → the edge connected, subscriptions in place').toBeLessThanOrEqual(1_000);
    expect(publisherBack, 'NATS up → the publisher connected').toBeLessThanOrEqual(1_000);
    expect(edge.app.liveEdge.metrics().resyncs.reconnect).toBe(1);

    // A change now goes out through the bus (faster than a re-read could), and nobody went
    // backwards: the publisher's messages buffered during the outage arrive late and older.
    const last = await change(poll, voter++);
    expect((await reached(clients, last.position, 5_000)) - last.at, 'change → frame with NATS back').toBeLessThanOrEqual(THROTTLE_MS + MARGIN_MS);
    const expected = (await call(edge.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body;
    for (const client of clients) {
      expect(client.latest!.results).toEqual(expected);
      const positions = client.frames.map((f) => f.position);
      expect(positions, 'positions only grow').toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
    }
    await Promise.all(clients.map((c) => c.close()));
  }, 30_000);
});
