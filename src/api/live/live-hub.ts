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
  /** Fires when the poll may have been quiet for resyncMs; armed after every read. */
  resync: NodeJS.Timeout | undefined;
}

/**
 * Everything here is rebuilt from the bus and the read model, so a restart loses nothing a
 * reconnecting client (`?after=`) cannot get back. Core NATS does not redeliver, so a poll is
 * re-read resyncMs after its last bus message or read (and every watched poll when the bus is
 * back): a change reaches its viewers within about resyncMs whatever the bus does. The deadline is
 * checked when its timer fires rather than moved on every message, so a busy poll costs no timer
 * work per message.
 */
export class LiveHub {
  readonly counters: EdgeCounters = newCounters();
  #options: LiveHubOptions;
  #polls = new Map<string, Subscribed>();
  #heartbeats: NodeJS.Timeout;
  #stopWatchingBus: () => void;

  constructor(options: LiveHubOptions) {
    this.#options = options;
    this.#heartbeats = setInterval(() => this.#heartbeat(), options.heartbeatMs).unref();
    this.#stopWatchingBus =
      options.bus.onConnectionChange?.((connected) => {
        if (connected) this.#busBack();
      }) ?? (() => {});
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
      clearTimeout(subscribed.resync);
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
    clearInterval(this.#heartbeats);
    this.#stopWatchingBus();
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
    const subscribed: Subscribed = { channel, unsubscribe, loading: undefined, lastLoadAt: 0, resync: undefined };
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
        // A failed read is retried like a quiet poll; a poll whose last viewer left is done.
        if (this.#polls.get(subscribed.channel.pollId) === subscribed) this.#armResync(subscribed);
      }
    })();
    return subscribed.loading;
  }

  #heartbeat(): void {
    for (const [pollId, { channel }] of this.#polls) {
      for (const viewer of channel.viewers()) if (!viewer.heartbeat()) this.leave(pollId, viewer);
    }
  }

  #armResync(subscribed: Subscribed): void {
    clearTimeout(subscribed.resync);
    const quietSince = Math.max(subscribed.channel.lastMessageAt, subscribed.lastLoadAt);
    const wait = Math.max(0, quietSince + this.#options.resyncMs - Date.now());
    subscribed.resync = setTimeout(() => this.#resync(subscribed), wait).unref();
  }

  #resync(subscribed: Subscribed): void {
    subscribed.resync = undefined;
    if (this.#polls.get(subscribed.channel.pollId) !== subscribed || subscribed.loading !== undefined) return;
    const quietSince = Math.max(subscribed.channel.lastMessageAt, subscribed.lastLoadAt);
    // A message came meanwhile: the deadline moved with it.
    if (Date.now() - quietSince < this.#options.resyncMs) return this.#armResync(subscribed);
    this.counters.resyncs.quiet++;
    this.#load(subscribed).catch((error: unknown) => this.#options.onError?.(error, subscribed.channel.pollId));
  }

  #busBack(): void {
    for (const [pollId, subscribed] of this.#polls) {
      this.counters.resyncs.reconnect++;
      // A read already under way may have started before the bus had the subscription again.
      const after = subscribed.loading?.catch(() => {}) ?? Promise.resolve();
      after
        .then(() => (this.#polls.get(pollId) === subscribed ? this.#load(subscribed) : undefined))
        .catch((error: unknown) => this.#options.onError?.(error, pollId));
    }
  }
}
