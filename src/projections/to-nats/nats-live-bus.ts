import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { ProjectionLogger } from '../runtime/runner.ts';
import { type LiveBus, type LiveResultsMessage, resultsSubject } from './live-bus.ts';

/**
 * Reconnect delay: half the time NATS has been away, between 250 ms and 5 s, plus jitter, so a
 * blip is short and a long outage is not hammered. nats.js asks before every dial (and while it
 * waits for one), hence time-based rather than counting calls.
 */
class OutageBackoff {
  #since: number | undefined;

  delay(): number {
    this.#since ??= Date.now();
    return Math.min(5_000, Math.max(250, (Date.now() - this.#since) / 2)) + Math.floor(Math.random() * 100);
  }

  reset(): void {
    this.#since = undefined;
  }
}

/**
 * The live bus over NATS (full stack): core publish on `pollster.poll.<pollId>.results` with the
 * causing event's id as `Nats-Msg-Id`, so a JetStream stream capturing these subjects (if an
 * operator adds one) de-duplicates republished updates. Core subscriptions: an edge node holds no
 * state, and a viewer that missed frames catches up from the snapshot and positions.
 *
 * Outages: the client reconnects forever, with a delay that grows with the outage (OutageBackoff), and
 * re-sends its subscriptions itself after a reconnect (nats.js keeps them in the connection), so
 * subscribers survive a NATS restart untouched (tests/live/nats-restart.int.spec.ts checks it).
 * Publishes while disconnected go to the client's reconnect buffer.
 */
export class NatsLiveBus implements LiveBus {
  readonly #nc: NatsConnection;
  readonly #logger: ProjectionLogger;
  readonly #backoff: OutageBackoff;

  private constructor(nc: NatsConnection, logger: ProjectionLogger, backoff: OutageBackoff) {
    this.#nc = nc;
    this.#logger = logger;
    this.#backoff = backoff;
    void this.#watchStatus();
  }

  /** Resolves once connected; keeps trying (and says so in the log) while NATS is not there yet. */
  static async connect(url: string, logger: ProjectionLogger, options: { name?: string } = {}): Promise<NatsLiveBus> {
    const backoff = new OutageBackoff();
    const waiting = setTimeout(() => logger.warn({ url }, 'waiting for NATS'), 5_000);
    try {
      const nc = await connect({
        servers: url,
        name: options.name ?? 'pollster',
        maxReconnectAttempts: -1,
        waitOnFirstConnect: true,
        reconnectDelayHandler: () => backoff.delay(),
      });
      backoff.reset();
      return new NatsLiveBus(nc, logger, backoff);
    } finally {
      clearTimeout(waiting);
    }
  }

  async publish(message: LiveResultsMessage): Promise<void> {
    const h = headers();
    h.set('Nats-Msg-Id', message.eventId);
    this.#nc.publish(resultsSubject(message.pollId), JSON.stringify(message), { headers: h });
  }

  subscribe(pollId: string, onMessage: (message: LiveResultsMessage) => void): () => void {
    const subscription = this.#nc.subscribe(resultsSubject(pollId), {
      callback: (error, msg) => {
        if (error) return this.#logger.warn({ err: error, pollId }, 'live subscription error');
        try {
          onMessage(msg.json<LiveResultsMessage>());
        } catch (cause) {
          this.#logger.warn({ err: cause, pollId }, 'live message dropped');
        }
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Flushes what is buffered, then closes (drain), falling back to a plain close if NATS is away. */
  /** A round trip to the server: waits (until the probe's limit) while the client reconnects. */
  async ping(): Promise<void> {
    await this.#nc.flush();
  }

  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    const drained = this.#nc.drain().catch(() => this.#nc.close());
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([drained, timeout]);
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect') this.#logger.warn({ server: status.server }, 'NATS disconnected; reconnecting');
      if (status.type === 'reconnect') {
        this.#backoff.reset();
        this.#logger.info({ server: status.server }, 'NATS reconnected; subscriptions restored');
      }
    }
  }
}
