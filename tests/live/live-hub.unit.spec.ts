import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EncodedFrame } from '../../src/api/live/frames.ts';
import { LiveHub } from '../../src/api/live/live-hub.ts';
import type { DropReason, Viewer } from '../../src/api/live/viewer.ts';
import type { LiveBus, LiveResultsMessage } from '../../src/projections/to-nats/live-bus.ts';

/** The hub's rules with a fake bus, fake viewers and fake time: throttle, snapshot, resync, drops. */
class FakeBus implements LiveBus {
  readonly handlers = new Map<string, (m: LiveResultsMessage) => void>();
  readonly connectionListeners = new Set<(connected: boolean) => void>();
  connected = true;
  async publish(m: LiveResultsMessage) {
    if (this.connected) this.handlers.get(m.pollId)?.(m);
  }
  subscribe(pollId: string, onMessage: (m: LiveResultsMessage) => void) {
    this.handlers.set(pollId, onMessage);
    return () => this.handlers.delete(pollId);
  }
  onConnectionChange(listener: (connected: boolean) => void) {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }
  setConnected(connected: boolean) {
    this.connected = connected;
    for (const listener of this.connectionListeners) listener(connected);
  }
  async close() {}
}

class FakeViewer implements Viewer {
  readonly transport = 'ws' as const;
  readonly frames: Array<{ type: string; position: number; at: number }> = [];
  dropped: DropReason | undefined;
  readonly slow: boolean;
  constructor(slow = false) {
    this.slow = slow;
  }
  send(frame: EncodedFrame) {
    if (this.slow) return this.drop('slow'), false;
    this.frames.push({ type: frame.type, position: frame.position, at: Date.now() });
    return true;
  }
  heartbeat() {
    return true;
  }
  drop(reason: DropReason) {
    this.dropped = reason;
    this.onDrop?.(reason);
  }
  onDrop?: (reason: DropReason) => void;
}

const POLL = 'p1';
const message = (position: number): LiveResultsMessage => ({ pollId: POLL, position, results: { position }, eventId: `e${position}` });

let bus: FakeBus;
let stored: number;
let loads: number;
let hub: LiveHub;
beforeEach(() => {
  vi.useFakeTimers();
  bus = new FakeBus();
  stored = 10;
  loads = 0;
  hub = new LiveHub({
    bus,
    loadResults: async () => (loads++, { position: stored, results: { position: stored } }),
    throttleMs: 500,
    heartbeatMs: 15_000,
    resyncMs: 5_000,
  });
});
afterEach(() => {
  hub.close();
  vi.useRealTimers();
});

describe('LiveHub', () => {
  it('sends a snapshot, then at most one frame per window: the first at once, the newest at the window end', async () => {
    const viewer = new FakeViewer();
    await hub.join(POLL, viewer, undefined);
    expect(viewer.frames).toMatchObject([{ type: 'snapshot', position: 10 }]);
    await bus.publish(message(11));
    for (const p of [12, 13, 14]) await bus.publish(message(p));
    expect(viewer.frames.map((f) => f.position)).toEqual([10, 11]);
    await vi.advanceTimersByTimeAsync(500);
    expect(viewer.frames.map((f) => f.position)).toEqual([10, 11, 14]);
    await bus.publish(message(13)); // late and older: ignored
    await vi.advanceTimersByTimeAsync(1_000);
    expect(viewer.frames.map((f) => f.position)).toEqual([10, 11, 14]);
  });

  it('one read for many joining viewers; `after` at the current position gets no snapshot', async () => {
    const viewers = Array.from({ length: 50 }, () => new FakeViewer());
    await Promise.all(viewers.map((v) => hub.join(POLL, v, undefined)));
    expect(loads).toBe(1);
    const back = new FakeViewer();
    await hub.join(POLL, back, 10);
    expect(back.frames).toEqual([]);
    const behind = new FakeViewer();
    await hub.join(POLL, behind, 7);
    expect(behind.frames).toMatchObject([{ type: 'snapshot', position: 10 }]);
  });

  it('re-reads a quiet poll, so messages the bus lost still reach viewers', async () => {
    const viewer = new FakeViewer();
    await hub.join(POLL, viewer, undefined);
    stored = 20; // committed, but its message never arrived
    await vi.advanceTimersByTimeAsync(6_000);
    expect(viewer.frames.at(-1)).toMatchObject({ type: 'results', position: 20 });
    expect(hub.metrics().resyncs.quiet).toBeGreaterThan(0);
  });

  it('re-reads resyncMs after the last message, wherever that falls, and never a poll that keeps getting messages', async () => {
    const viewer = new FakeViewer();
    await hub.join(POLL, viewer, undefined);
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(100);
    await bus.publish(message(11));
    stored = 20; // committed right after 11; its message was lost
    await vi.advanceTimersByTimeAsync(5_000);
    expect(viewer.frames.at(-1)).toMatchObject({ position: 20, at: start + 5_100 });

    // Messages every second: the deadline moves with each, no read.
    const reads = loads;
    for (let p = 21; p < 40; p++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await bus.publish(message(p));
    }
    expect(loads).toBe(reads);
  });

  it('while the bus is away re-reads every resyncMs; when it is back, at once', async () => {
    const viewer = new FakeViewer();
    await hub.join(POLL, viewer, undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    await bus.publish(message(11));
    bus.setConnected(false);
    const changes = [{ after: 300, position: 12 }, { after: 2_000, position: 13 }, { after: 4_000, position: 14 }];
    for (const { after, position } of changes) {
      await vi.advanceTimersByTimeAsync(after);
      const changedAt = Date.now();
      stored = position;
      await bus.publish(message(position)); // lost: the bus is away
      while (viewer.frames.at(-1)!.position !== position) await vi.advanceTimersByTimeAsync(10);
      expect(viewer.frames.at(-1)!.at - changedAt).toBeLessThanOrEqual(5_000);
    }

    stored = 15; // published while the edge was still away
    const reads = loads;
    bus.setConnected(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(loads).toBe(reads + 1);
    await vi.advanceTimersByTimeAsync(500); // the throttle window of the frame before
    expect(viewer.frames.at(-1)).toMatchObject({ type: 'results', position: 15 });
    expect(hub.metrics().resyncs.reconnect).toBe(1);
    const positions = viewer.frames.map((f) => f.position);
    expect(positions).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it('a read under way when the bus comes back is followed by a fresh one', async () => {
    hub.close();
    const reads: Array<(position: number) => void> = [];
    hub = new LiveHub({
      bus,
      loadResults: () => new Promise((resolve) => reads.push((position) => resolve({ position, results: { position } }))),
      throttleMs: 500,
      heartbeatMs: 15_000,
      resyncMs: 5_000,
    });
    const viewer = new FakeViewer();
    const joined = hub.join(POLL, viewer, undefined);
    reads.shift()!(10);
    await joined;
    bus.setConnected(false);
    await vi.advanceTimersByTimeAsync(5_000); // the resync read starts, and hangs
    expect(reads).toHaveLength(1);
    bus.setConnected(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toHaveLength(1); // one read at a time
    reads.shift()!(11); // read before the bus had the subscription again
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toHaveLength(1);
    reads.shift()!(12);
    await vi.advanceTimersByTimeAsync(500);
    expect(viewer.frames.map((f) => f.position)).toEqual([10, 11, 12]);
  });

  it('unsubscribes after the last viewer; a slow viewer is dropped without holding up the others', async () => {
    const fast = new FakeViewer();
    const slow = new FakeViewer(true);
    slow.onDrop = () => hub.leave(POLL, slow);
    await hub.join(POLL, fast, undefined);
    await hub.join(POLL, slow, undefined);
    expect(slow.dropped).toBe('slow');
    await bus.publish(message(11));
    expect(fast.frames.at(-1)?.position).toBe(11);
    expect(hub.metrics().viewersByPoll).toEqual({ [POLL]: 1 });
    hub.leave(POLL, fast);
    expect(bus.handlers.size).toBe(0);
    expect(hub.metrics().viewers).toBe(0);
  });
});
