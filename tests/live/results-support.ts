import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { LiveBus, LiveResultsMessage } from '../../src/projections/to-nats/live-bus.ts';
import { RedisResultsStore } from '../../src/projections/to-redis/results-store.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * Shared Redis and NATS for the live specs. Each test file works under its own Redis key prefix
 * and deletes exactly those keys afterwards (never FLUSHALL: other suites use the same Redis).
 */
export interface TestRedis {
  redis: Redis;
  prefix: string;
  store: RedisResultsStore;
  close(): Promise<void>;
}

export async function openTestRedis(): Promise<TestRedis> {
  const redis = new Redis(serviceUrls.redis, { maxRetriesPerRequest: 1 });
  const prefix = `test:${randomUUID().slice(0, 8)}:`;
  return {
    redis,
    prefix,
    store: new RedisResultsStore(redis, { keyPrefix: prefix }),
    async close() {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A raw NATS subscription recording every message with its Nats-Msg-Id header; `onMessage` runs at receipt. */
export interface Recorded {
  message: LiveResultsMessage;
  msgId: string | undefined;
}

export async function recordSubject(subject: string, onMessage?: (r: Recorded) => Promise<void>): Promise<{ nc: NatsConnection; seen: Recorded[] }> {
  const nc = await connect({ servers: serviceUrls.nats });
  const seen: Recorded[] = [];
  nc.subscribe(subject, {
    callback: (_error, msg: Msg) => {
      const recorded = { message: msg.json<LiveResultsMessage>(), msgId: msg.headers?.get('Nats-Msg-Id') };
      seen.push(recorded);
      void onMessage?.(recorded);
    },
  });
  await nc.flush(); // the subscription is registered on the server before anything is published
  return { nc, seen };
}

/** A bus that records what is published (and can be told to fail). */
export class RecordingBus implements LiveBus {
  readonly published: LiveResultsMessage[] = [];
  fail = false;
  onPublish: ((message: LiveResultsMessage) => Promise<void>) | undefined;

  async publish(message: LiveResultsMessage): Promise<void> {
    if (this.fail) throw new Error('bus down');
    await this.onPublish?.(message);
    this.published.push(message);
  }

  subscribe(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
