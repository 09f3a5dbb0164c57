import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { healthRoutes, type HealthChecks } from '../../src/api/routes/health.ts';
import { freePort } from '../process/pollster-process.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * Readiness a load balancer can route on: during a Redis (or NATS) outage the node still takes
 * ballots and serves results from PostgreSQL, so it stays in rotation, reported as degraded;
 * without PostgreSQL it can do nothing and is taken out.
 */
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function readiness(checks: HealthChecks) {
  const app = Fastify();
  await app.register(healthRoutes, { checks });
  closers.push(() => app.close());
  const response = await app.inject('/health/ready');
  return { status: response.statusCode, body: response.json() as { status: string; checks: Record<string, string> } };
}

const postgres = async () => {
  const client = new pg.Client({ connectionString: serviceUrls.postgres });
  await client.connect();
  await client.query('SELECT 1').finally(() => client.end());
};

async function downRedis() {
  // A Redis that is down: nothing listens on its port; the client keeps trying, as in production.
  const redis = new Redis({ port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
  redis.on('error', () => {}); // the outage is the point; ioredis would print every refusal
  redis.connect().catch(() => {});
  closers.push(async () => redis.disconnect());
  return async () => void (await redis.ping());
}

describe('GET /health/ready', () => {
  it('is 200 ready when every store answers', async () => {
    expect(await readiness({ required: { database: postgres }, degraded: {} })).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok' } },
    });
  });

  it('stays 200 while Redis is down, reported as degraded with the reason', async () => {
    const { status, body } = await readiness({ required: { database: postgres }, degraded: { redis: await downRedis() } });
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.database).toBe('ok');
    expect(body.checks.redis).toMatch(/^down: /);
  });

  it('is 503 not ready when PostgreSQL does not answer', async () => {
    const deadPostgres = async () => {
      const client = new pg.Client({ host: '127.0.0.1', port: await freePort(), connectionTimeoutMillis: 500 });
      await client.connect();
    };
    const { status, body } = await readiness({ required: { database: deadPostgres }, degraded: { redis: await downRedis() } });
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
  });
});
