import { cpus } from 'node:os';
import { POSTGRES_PROJECTIONS } from '../src/projections/index.ts';
import { measureLag } from './projections/lag.ts';
import { writeBulkLog } from './projections/bulk-log.ts';
import { measureRebuild } from './projections/rebuild-speed.ts';
import { measureWorkerCpu, type WorkerCpu } from './projections/worker-cpu.ts';
import { numberFlag, stringFlag, throwawayDatabase } from './support/measure.ts';

/**
 * Projections: (1) lag at a steady ballot load, commit → read model visible and commit → NATS
 * message (bench/projections/lag.ts); (2) `projections rebuild` speed over a generated log of
 * --events events (default 1,000,000), written by INSERT ... SELECT generate_series straight
 * into a throwaway database's events table with the store's own position numbering
 * (bench/projections/bulk-log.ts). Targets: lag p99 ≤ 100 ms at 5,000 ballots/s, rebuild ≥ 50,000 events/s.
 * (3) with --worker-cpu, what partitions cost: process CPU per ballot of a worker holding 1 and
 * --partitions N partitions at --worker-rate ballots/s, in ABBA order (bench/projections/worker-cpu.ts).
 * Usage: npm run bench -- projections [--rate 5000] [--seconds 20] [--polls 20] [--events 1000000]
 *        [--rebuild results,polls-catalog,analytics] [--batch-size 10000] [--concurrency 2] [--skip-lag] [--skip-rebuild]
 *        [--worker-cpu [--partitions 4] [--worker-rate 2500]]
 */
export async function main(args: string[]): Promise<void> {
  const rate = numberFlag(args, 'rate', 5_000);
  const seconds = numberFlag(args, 'seconds', 20);
  const events = numberFlag(args, 'events', 1_000_000);
  const batchSize = numberFlag(args, 'batch-size', 10_000);
  const concurrency = numberFlag(args, 'concurrency', 2);
  const polls = numberFlag(args, 'polls', 20);
  const names = stringFlag(args, 'rebuild', 'results').split(',');
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  console.log(`${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}); PostgreSQL ${base.replace(/\/\/[^@]*@/, '//')}; NATS ${natsUrl}`);

  if (!args.includes('--skip-lag')) {
    const db = await throwawayDatabase(base, 'pollster_bench_lag');
    try {
      const lag = await measureLag(db.url, natsUrl, rate, seconds, polls);
      console.log(
        `lag at ${lag.achievedRate} ballots/s (asked ${rate}) on ${polls} polls over ${lag.seconds.toFixed(1)} s, ${lag.ballots} ballots:\n` +
          `  commit → read model visible  p50 ${lag.visible.p50} ms  p99 ${lag.visible.p99} ms  max ${lag.visible.max} ms  (target p99 ≤ 100)\n` +
          `  commit → NATS message         p50 ${lag.nats.p50} ms  p99 ${lag.nats.p99} ms  max ${lag.nats.max} ms  (target p99 ≤ 100)` +
          (lag.missingNats > 0 ? `  ${lag.missingNats} ballots never announced` : ''),
      );
      console.log(JSON.stringify({ bench: 'projection-lag', ...lag }));
    } finally {
      await db.drop();
    }
  }

  if (args.includes('--worker-cpu')) {
    const partitions = numberFlag(args, 'partitions', 4);
    const workerRate = numberFlag(args, 'worker-rate', 2_500);
    const runs: WorkerCpu[] = [];
    for (const count of [1, partitions, partitions, 1]) {
      const db = await throwawayDatabase(base, 'pollster_bench_worker');
      try {
        runs.push(await measureWorkerCpu(db.url, count, workerRate, Math.min(seconds, 10), polls));
      } finally {
        await db.drop();
      }
    }
    const mean = (count: number) => {
      const mine = runs.filter((r) => r.partitions === count);
      return mine.reduce((sum, r) => sum + r.cpuMicrosPerBallot, 0) / mine.length;
    };
    for (const r of runs) console.log(`worker holding ${r.partitions} partition(s): ${Math.round(r.cpuMicrosPerBallot)} µs CPU per ballot (${r.ballots} ballots at ${workerRate}/s, caught up in ${r.seconds.toFixed(1)} s)`);
    console.log(`partitions ${partitions} vs 1: ${(((mean(partitions) - mean(1)) / mean(1)) * 100).toFixed(0)}% CPU per ballot`);
  }

  if (!args.includes('--skip-rebuild')) {
    const db = await throwawayDatabase(base, 'pollster_bench_rebuild');
    try {
      const started = performance.now();
      const log = await writeBulkLog(db.url, events);
      console.log(`generated ${log.events.toLocaleString('en')} events (${log.ballots.toLocaleString('en')} ballots, ${log.pollIds.length} polls) by INSERT ... SELECT in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      for (const name of names) {
        const projection = POSTGRES_PROJECTIONS.find((p) => p.name === name);
        if (!projection) throw new Error(`no projection named ${name}`);
        const s = await measureRebuild(db.url, projection, { batchSize, concurrency });
        console.log(
          `rebuild ${name.padEnd(14)} ${s.eventsPerSecond.toLocaleString('en').padStart(8)} events/s in the replay (target ≥ 50,000)  ` +
            `${s.applied.toLocaleString('en')} events, ${s.totalSeconds.toFixed(1)} s in all, swap ${s.swapMs} ms, ${s.parked.length} parked`,
        );
        console.log(JSON.stringify({ bench: 'projection-rebuild', projection: name, batchSize, concurrency, events: s.applied, eventsPerSecond: s.eventsPerSecond, replaySeconds: s.replaySeconds, totalSeconds: s.totalSeconds, swapMs: s.swapMs }));
      }
    } finally {
      await db.drop();
    }
  }
}
