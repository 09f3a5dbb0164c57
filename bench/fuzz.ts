import { pathToFileURL } from 'node:url';
import { createTestApp } from '../tests/support/app.ts';
import { runFuzz, summary } from '../tests/support/fuzz/run.ts';
import { seedFromEnv } from '../tests/support/fuzz/random.ts';
import { numberFlag } from './support/measure.ts';

/**
 * The schema-derived fuzzer of tests/security/fuzz.e2e.spec.ts, for longer: N hostile requests
 * (app.inject, no network) against a throwaway database, then the figures: requests, 5xx,
 * non-problem 4xx, writes on rejected input, echoes, hangs, import report leaks, and the first
 * findings of each kind with what to replay them with.
 * Usage: node bench/fuzz.ts [--requests 20000] [--seed N]   (or FUZZ_SEED)
 */
export async function main(args: string[]): Promise<void> {
  const requests = numberFlag(args, 'requests', 20_000);
  const seed = args.includes('--seed') ? numberFlag(args, 'seed', 0) : seedFromEnv();
  const t = await createTestApp();
  try {
    console.log(`${requests} requests, seed ${seed}`);
    const report = await runFuzz({ app: t.app, services: t.services, seed, requests, log: console.log });
    console.log(summary(report));
    const failures = Object.values(report.counts).reduce((a, b) => a + b, 0);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await t.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
