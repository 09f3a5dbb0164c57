import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { ProjectionLogger } from '../runner/runner.ts';
import { type LiveBus, type LiveResultsMessage, resultsSubject } from './live-bus.ts';

const RECONNECT_WAIT_MS = 250;
const RECONNECT_JITTER_MS = 250;

/**
 * 250-500 ms before each reconnect, however long NATS has been away: a wait that grew with the
 * outage left viewers 4 s more without frames after a 6 s one, and a refused dial costs ~0.14 ms
 * of CPU. The jitter keeps edges and workers from dialling in step when NATS returns.
 */
const reconnectDelay = (): number => RECONNECT_WAIT_MS + Math.floor(Math.random() * RECONNECT_JITTER_MS);

/**
 * The live bus over NATS (full stack): core publish on `pollster.poll.<pollId>.results` with the
 * causing event's id as `Nats-Msg-Id`, so a JetStream stream capturing these subjects (if an
 * operator adds one) de-duplicates republished updates. Core subscriptions: an edge node holds no
 * state, and a viewer that missed frames catches up from the snapshot and positions.
 *
 * Outages: the client reconnects forever, every 250-500 ms (reconnectDelay), and re-sends its
 * subscriptions itself after a reconnect (nats.js keeps them in the connection), so subscribers
 * survive a NATS restart untouched (tests/live/nats-restart.int.spec.ts checks it). What was
 * published meanwhile is lost to them: publishes while disconnected go to the publisher's
 * reconnect buffer, sent when it is back, possibly before the subscriber's subscriptions are.
 * So the bus says when it is down and when it is back (onConnectionChange) and the edge re-reads
 * the read model then (LiveHub).
 */
export class NatsLiveBus implements LiveBus {
  readonly #nc: NatsConnection;
  readonly #logger: ProjectionLogger;
  readonly #listeners = new Set<(connected: boolean) => void>();
  #connected = true;
  /** Disconnects so far: a round trip that began before the latest one announces nothing. */
  #disconnects = 0;

  private constructor(nc: NatsConnection, logger: ProjectionLogger) {
    this.#nc = nc;
    this.#logger = logger;
    void this.#watchStatus();
  }

  /** Resolves once connected; keeps trying (and says so in the log) while NATS is not there yet. */
  static async connect(url: string, logger: ProjectionLogger, options: { name?: string } = {}): Promise<NatsLiveBus> {
    const waiting = setTimeout(() => logger.warn({ url }, 'waiting for NATS'), 5_000);
    try {
      const nc = await connect({
        servers: url,
        name: options.name ?? 'pollster',
        maxReconnectAttempts: -1,
        waitOnFirstConnect: true,
        reconnectDelayHandler: reconnectDelay,
      });
      return new NatsLiveBus(nc, logger);
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

  /** A round trip to the server; while NATS is away it fails at the client's next reconnect attempt (nats.js drops pending round trips then). */
  async ping(): Promise<void> {
    await this.#nc.flush();
  }

  /** False from a disconnect until the server is back and has this client's subscriptions. */
  get connected(): boolean {
    return this.#connected;
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Flushes what is buffered, then closes (drain), falling back to a plain close if NATS is away. */
  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    const drained = this.#nc.drain().catch(() => this.#nc.close());
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([drained, timeout]);
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect') {
        this.#disconnects++;
        this.#logger.warn({ server: status.server }, 'NATS disconnected; reconnecting');
        this.#announce(false);
      }
      if (status.type === 'reconnect') void this.#restored(status.server);
    }
  }

  /**
   * nats.js has re-sent the subscriptions with its reconnect; the server handles a connection's
   * commands in order, so after one round trip it has them all, and a subscriber that re-reads
   * what it shows from then on misses nothing published later.
   */
  async #restored(server: string): Promise<void> {
    const disconnects = this.#disconnects;
    try {
      await this.#nc.flush();
    } catch {
      return; // lost again: that disconnect is announced, and the next reconnect gets here again
    }
    if (disconnects !== this.#disconnects) return;
    this.#logger.info({ server }, 'NATS reconnected; subscriptions restored');
    this.#announce(true);
  }

  #announce(connected: boolean): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    for (const listener of this.#listeners) {
      try {
        listener(connected);
      } catch (error) {
        this.#logger.warn({ err: error }, 'NATS connection listener failed');
      }
    }
  }
}
