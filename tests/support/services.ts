/**
 * Where the integration tests find PostgreSQL, Redis and NATS: the env URLs, else the local
 * defaults. `tests/global-setup.ts` probes them once (and starts containers where Docker exists);
 * test files read the resolved URLs from here.
 */
export const serviceUrls = {
  postgres: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};
