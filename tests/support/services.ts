/**
 * Where the integration tests find PostgreSQL, Redis and NATS: the env URLs, else the local
 * defaults. `tests/global-setup.ts` probes them before any file runs (and starts containers
 * where Docker exists); test files read the resolved URLs from here.
 */
export const serviceUrls = currentServiceUrls();

/**
 * Read at call time: the global setup runs once per project that needs services, in one process,
 * and a later project must see the containers an earlier one started (it set the TEST_* env).
 */
export function currentServiceUrls() {
  return {
    postgres: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redis: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    nats: process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  };
}
