import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { runFuzz, summary } from '../support/fuzz/run.ts';
import { seedFromEnv } from '../support/fuzz/random.ts';

/**
 * Schema-derived fuzzing of the whole API (tests/support/fuzz): every operation of the OpenAPI
 * document, as every kind of caller, with hostile values in paths, query strings and bodies.
 * A new seed each run (printed; FUZZ_SEED replays it), FUZZ_REQUESTS for a longer run; the long
 * run is `npm run bench -- fuzz`.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_000);
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('fuzz', () => {
  it(`survives ${REQUESTS} hostile requests`, { timeout: 180_000 }, async () => {
    const report = await runFuzz({ app: t.app, services: t.services, seed: seedFromEnv(), requests: REQUESTS });
    console.log(summary(report));
    expect(report.counts).toEqual({
      '5xx': 0, 'non-problem 4xx': 0, 'write on rejected input': 0, echo: 0, hang: 0, 'import report leak': 0,
    });
  });
});
