import type { LiveBus } from '../../projections/to-nats/live-bus.ts';
import type { ResultsState } from './frames.ts';
import { type EdgeCounters, type EdgeMetrics, newCounters } from './metrics.ts';
import { PollChannel } from './poll-channel.ts';
import type { Viewer } from './viewer.ts';

export interface LiveHubOptions {
  bus: LiveBus;
  /** A poll's current results (results cache or read model); null when nothing knows the poll. */
  loadResults: (pollId: string) => Promise<ResultsState | null>;
  /** LIVE_THROTTLE_MS: at most one results frame per poll per this many ms. */
  throttleMs: number;
  /** Ping/pong (ws) and comment (SSE) interval. */
  heartbeatMs: number;
  /** LIVE_RESYNC_MS: a watched poll without bus messages for this long is re-read from the read model. */
  resyncMs: number;
  onError?: (error: unknown, pollId: string) => void;
}

interface Subscribed {
  channel: PollChannel;
  unsubscribe: () => void;
  loading: Promise<void> | undefined;
  lastLoadAt: number;
}

/**
 * The live edge of one node: a channel per watched poll, subscribed to the bus while it has
 * viewers. Everything here is rebuilt from the bus and the read model, so a restart loses nothing
 * a reconnecting client (`?after=`) cannot get back. The periodic re-read of quiet polls is what
 * makes clients converge when bus messages were lost (NATS restarted, a publisher crashed between
 * commit and publish): core NATS does not redeliver, the read model is always there.
 */
export class LiveHub {
  readonly counters: EdgeCounters = newCounters();
  #options: LiveHubOptions;
  #polls = new Map<string, Subscribed>();
  #timers: NodeJS.Timeout[];

  constructor(options: LiveHubOptions) {
    this.#options = options;
    this.#timers = [
      setInterval(() => this.#heartbeat(), options.heartbeatMs).unref(),
      setInterval(() => this.#resync(), Math.max(50, Math.floor(options.resyncMs / 2))).unref(),
    ];
  }

  /** Adds a viewer: subscribes on the poll's first viewer, then sends its snapshot (unless `after` is current). */
  async join(pollId: string, viewer: Viewer, after: number | undefined): Promise<void> {
    const subscribed = this.#subscribe(pollId);
    subscribed.channel.add(viewer);
    try {
      if (subscribed.channel.latest === undefined) await this.#load(subscribed);
      if (subscribed.channel.latest === undefined) throw new Error(`no results for poll ${pollId}`);
    } catch (error) {
      this.#options.onError?.(error, pollId);
      if (this.leave(pollId, viewer)) viewer.drop('error');
      return;
    }
    subscribed.channel.admit(viewer, after);
  }

  /** Removes a viewer (closed, dropped); unsubscribes after the poll's last one. True if it was there. */
  leave(pollId: string, viewer: Viewer): boolean {
    const subscribed = this.#polls.get(pollId);
    if (subscribed === undefined || !subscribed.channel.remove(viewer)) return false;
    if (subscribed.channel.size === 0) {
      subscribed.unsubscribe();
      subscribed.channel.close();
      this.#polls.delete(pollId);
    }
    return true;
  }

  metrics(): EdgeMetrics {
    const viewersByPoll: Record<string, number> = {};
    let viewers = 0;
    for (const [pollId, { channel }] of this.#polls) {
      viewersByPoll[pollId] = channel.size;
      viewers += channel.size;
    }
    return { ...structuredClone(this.counters), viewersByPoll, viewers };
  }

  /** Ends every viewer connection (clients reconnect to another node) and every subscription. */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    for (const [pollId, { channel }] of this.#polls) {
      for (const viewer of channel.viewers()) if (this.leave(pollId, viewer)) viewer.drop('shutdown');
    }
  }

  #subscribe(pollId: string): Subscribed {
    const existing = this.#polls.get(pollId);
    if (existing) return existing;
    const channel = new PollChannel(pollId, { throttleMs: this.#options.throttleMs, counters: this.counters });
    const unsubscribe = this.#options.bus.subscribe(pollId, (message) => {
      this.counters.busMessages++;
      channel.lastMessageAt = Date.now();
      channel.update({ position: message.position, results: message.results });
    });
    const subscribed: Subscribed = { channel, unsubscribe, loading: undefined, lastLoadAt: 0 };
    this.#polls.set(pollId, subscribed);
    return subscribed;
  }

  /** One read at a time per poll, however many viewers wait on it (10,000 joining at once = one query). */
  #load(subscribed: Subscribed): Promise<void> {
    subscribed.loading ??= (async () => {
      try {
        subscribed.lastLoadAt = Date.now();
        const state = await this.#options.loadResults(subscribed.channel.pollId);
        if (state) subscribed.channel.update(state);
      } finally {
        subscribed.loading = undefined;
      }
    })();
    return subscribed.loading;
  }

  #heartbeat(): void {
    for (const [pollId, { channel }] of this.#polls) {
      for (const viewer of channel.viewers()) if (!viewer.heartbeat()) this.leave(pollId, viewer);
    }
  }

  #resync(): void {
    const now = Date.now();
    for (const [pollId, subscribed] of this.#polls) {
      const quietSince = Math.max(subscribed.channel.lastMessageAt, subscribed.lastLoadAt);
      if (subscribed.loading !== undefined || now - quietSince < this.#options.resyncMs) continue;
      this.counters.resyncs++;
      this.#load(subscribed).catch((error: unknown) => this.#options.onError?.(error, pollId));
    }
  }
}
