import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerWith, openedPoll } from '../support/api-client.ts';
import { serviceUrls } from '../support/services.ts';
import { startEdgeApp, type EdgeTestApp } from './support/edge-app.ts';
import { SseClient, WsClient } from './support/live-clients.ts';

/**
 * One host opening thousands of live connections (each holds a socket and its buffers) is
 * refused past LIVE_MAX_VIEWERS_PER_ADDRESS with 429 problem+json; a node past LIVE_MAX_VIEWERS
 * refuses everyone new. Slots come back when connections close.
 */
let t: EdgeTestApp;
let url: string;
let sseUrl: string;
beforeAll(async () => {
  t = await startEdgeApp(serviceUrls.nats, { maxViewersPerAddress: 3, maxViewers: 4 });
  const poll = await openedPoll(t.app, await callerWith(t, 'organizer'));
  url = `${t.wsUrl}/api/polls/${poll.pollId}/live`;
  sseUrl = `${t.baseUrl}/api/polls/${poll.pollId}/live/sse`;
});
afterAll(async () => t?.close());

const refusal = (connecting: Promise<unknown>) => connecting.then(() => 'opened', (error: { status?: number }) => error.status);

describe('live viewer bounds', () => {
  it('refuses a 4th connection from one address with 429, websocket and SSE alike, and admits again after a close', async () => {
    const open = [await WsClient.connect(url), await WsClient.connect(url), await SseClient.connect(sseUrl)];
    expect(await refusal(WsClient.connect(url))).toBe(429);
    const sse = await fetch(sseUrl, { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(429);
    expect(sse.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(sse.headers.get('retry-after')).toBe('5');
    expect(await sse.json()).toMatchObject({ status: 429, code: 'live.too-many-viewers' });

    await open.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the socket's close reaches the server
    open.push(await WsClient.connect(url));
    for (const client of open) await client.close();
  });
});
