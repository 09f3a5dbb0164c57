import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tiers by file suffix, one vitest project each (`npm run test:<project>` runs one):
 *
 * - unit     `*.unit.spec.ts`: pure, no services, so no global setup (a few seconds)
 * - int      `*.int.spec.ts`: real PostgreSQL, Redis and NATS
 * - e2e      `*.e2e.spec.ts`: through the HTTP API
 * - browser  `*.browser.e2e.spec.ts`: the live page in headless Chromium
 * - drills   `*.drill.spec.ts`: fault drills (a worker process SIGKILLed mid-projection)
 *
 * Services are found once per project that needs them (tests/global-setup.ts); each test file
 * isolates itself with random ids or its own database.
 *
 * Order, by `sequence.groupOrder`: unit first (seconds: a broken decider fails fast), then int
 * and e2e together, then the browser alone, then the drills alone. vitest runs the projects of one
 * group in one pool (they must share `maxWorkers`) and groups one after another. Chromium and a
 * worker process under SIGKILL are the two things on a small machine that starve (and are starved
 * by) whatever runs beside them; a drill that competes for the cores proves less and takes longer.
 * No project is left in group 0: with one worker (vitest's default on 2 cores) and isolation,
 * vitest moves group-0 files into a group that runs after all numbered ones, drills included.
 * int and e2e run two files at a time: most of their time is spent waiting on PostgreSQL, Redis
 * and child processes, so two workers on 2 cores nearly halve the group's wall time.
 */
const services = { globalSetup: ['tests/global-setup.ts'] };

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Lists the slowest files and tests; names (and past 75%, fails) any near its timeout.
    reporters: ['default', './tests/support/timing-reporter.ts'],
    // Events shared between subscriptions are frozen, so a consumer that changes one fails here.
    env: { POLLSTER_FREEZE_SHARED_EVENTS: '1' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.unit.spec.ts', 'tests/**/*.unit.spec.ts'],
          // Pure code: one worker for every file instead of a fresh process each (5 s instead of 15 s on 2 cores).
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'int',
          include: ['src/**/*.int.spec.ts', 'tests/**/*.int.spec.ts'],
          ...services,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/**/*.e2e.spec.ts'],
          exclude: [...configDefaults.exclude, 'tests/**/*.browser.e2e.spec.ts'],
          ...services,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.e2e.spec.ts'],
          ...services,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: {
          name: 'drills',
          include: ['tests/**/*.drill.spec.ts'],
          ...services,
          maxWorkers: 1,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
