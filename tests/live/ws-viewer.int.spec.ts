import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { EncodedFrame } from '../../src/api/live/frames.ts';
import type { DropReason } from '../../src/api/live/viewer.ts';
import { WsViewer, type WsViewerSettings } from '../../src/api/live/ws-viewer.ts';

/**
 * WsViewer over real sockets (a ws server and client on loopback): frames reach the peer, a peer
 * that stops answering pings is cut at the next heartbeat, a viewer whose unsent data passes the
 * limit is dropped, and a peer that closes is reported as gone exactly like a drop would be.
 * Several viewers share one settings object and the same listeners: each must still report itself.
 */
let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function pair(settings: WsViewerSettings, options: { autoPong?: boolean } = {}) {
  server ??= new WebSocketServer({ host: '127.0.0.1', port: 0 });
  if (!server.address()) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { autoPong: options.autoPong ?? true });
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  await once(client, 'open');
  const [socket] = await accepted;
  return { viewer: new WsViewer(socket, 'poll-1', settings), socket, client, received };
}

function recorder(maxBufferedBytes = 1 << 20) {
  const left: Array<{ viewer: WsViewer; reason: DropReason | undefined }> = [];
  const settings: WsViewerSettings = { maxBufferedBytes, left: (viewer, reason) => void left.push({ viewer, reason }) };
  return { settings, left };
}

const frame = (position: number) => new EncodedFrame('results', { position, results: { totalBallots: position } });

async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WsViewer', () => {
  it('writes frames to its socket', async () => {
    const { settings } = recorder();
    const { viewer, received } = await pair(settings);
    expect(viewer.transport).toBe('ws');
    expect(viewer.pollId).toBe('poll-1');
    expect(viewer.send(frame(1))).toBe(true);
    expect(viewer.send(frame(2))).toBe(true);
    await until(() => received.length === 2);
    expect(received.map((m) => JSON.parse(m).position)).toEqual([1, 2]);
  });

  it('keeps a peer that answers pings and cuts one that stops, each viewer for itself', async () => {
    const { settings, left } = recorder();
    const answering = await pair(settings);
    const silent = await pair(settings, { autoPong: false });
    expect(answering.viewer.heartbeat()).toBe(true);
    expect(silent.viewer.heartbeat()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the pong of the answering peer arrives
    expect(answering.viewer.heartbeat()).toBe(true);
    expect(silent.viewer.heartbeat()).toBe(false); // no pong since the last ping: dead
    expect(left.filter((l) => l.reason === 'dead').map((l) => l.viewer)).toEqual([silent.viewer]);
    await once(silent.client, 'close'); // terminated: the TCP connection is cut
  });

  it('drops a viewer whose unsent data passes the limit instead of queueing more', async () => {
    const { settings, left } = recorder(0);
    const { viewer, socket } = await pair(settings);
    Object.defineProperty(socket, 'bufferedAmount', { value: 1 }); // as when the peer stopped reading
    expect(viewer.send(frame(1))).toBe(false);
    expect(left[0]).toEqual({ viewer, reason: 'slow' });
  });

  it('reports a viewer whose peer closed as gone, without a drop reason', async () => {
    const { settings, left } = recorder();
    const one = await pair(settings);
    const other = await pair(settings);
    one.client.close();
    await until(() => left.length > 0);
    expect(left).toEqual([{ viewer: one.viewer, reason: undefined }]);
    expect(other.viewer.send(frame(3))).toBe(true);
  });
});
