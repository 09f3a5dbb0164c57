import { defineConfig } from 'vitest/config';

/**
 * Three tiers by file suffix: *.unit.spec.ts (pure, no services), *.int.spec.ts (real
 * PostgreSQL, Redis, NATS) and *.e2e.spec.ts (through the HTTP API). Services are found once
 * in the global setup; each test file isolates itself with random ids or its own database.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'tests/**/*.spec.ts'],
    globalSetup: ['tests/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Events shared between subscriptions are frozen, so a consumer that changes one fails here.
    env: { POLLSTER_FREEZE_SHARED_EVENTS: '1' },
  },
});
