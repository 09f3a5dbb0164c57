import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../src/db/throwaway-database.ts';
import { onInterrupt } from './interrupt.ts';

/** Shared tools of the benchmarks: a load loop with latencies, process CPU/RSS, a throwaway database. */
export interface Figures {
  name: string;
  operations: number;
  seconds: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs `op(i)` for i in [0, n) from `concurrency` workers, recording each latency in ms. */
export async function runConcurrent(name: string, n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Figures> {
  const run = new Run(name, n);
  await run.slice(0, n, concurrency, op);
  return run.figures();
}

/**
 * Interleaved variants: each runs its [0, n) in `rounds` slices, taking turns with the others,
 * so a drift of the host's speed during the run (seen here: 30% within minutes) touches every
 * variant alike instead of whichever happened to run during it.
 */
export async function runInterleaved(
  variants: readonly { name: string; op: (i: number) => Promise<unknown> }[],
  n: number,
  concurrency: number,
  rounds: number,
): Promise<Figures[]> {
  const runs = variants.map((v) => new Run(v.name, n));
  const per = Math.ceil(n / rounds);
  for (let from = 0; from < n; from += per) {
    for (const [k, v] of variants.entries()) await runs[k]!.slice(from, Math.min(n, from + per), concurrency, v.op);
  }
  return runs.map((r) => r.figures());
}

/** Latencies and time of one variant, gathered over one or more slices of its operations. */
class Run {
  readonly name: string;
  readonly n: number;
  readonly #latencies: Float64Array;
  #seconds = 0;
  #errors = 0;
  constructor(name: string, n: number) {
    this.name = name;
    this.n = n;
    this.#latencies = new Float64Array(n);
  }

  async slice(from: number, to: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
    let next = from;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < to; i = next++) {
          const t0 = performance.now();
          await op(i).catch(() => this.#errors++);
          this.#latencies[i] = performance.now() - t0;
        }
      }),
    );
    this.#seconds += (performance.now() - started) / 1000;
  }

  figures(): Figures {
    return { name: this.name, operations: this.n, seconds: this.#seconds, errors: this.#errors, ...percentiles(this.#latencies) };
  }
}

export function percentiles(latencies: Float64Array): Pick<Figures, 'p50' | 'p95' | 'p99'> {
  const sorted = latencies.slice().sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export function formatFigures(f: Figures, unit = 'ops'): string {
  const rate = Math.round(f.operations / f.seconds);
  return (
    `${f.name.padEnd(44)} ${String(rate).padStart(7)} ${unit}/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   ` +
    `p95 ${f.p95.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   errors ${f.errors}   (${f.operations} in ${f.seconds.toFixed(1)} s)`
  );
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export function processUsage(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100/s on Linux)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuSeconds: ticks / 100, rssMiB: Number(rss ?? 0) / 1024 };
}

/** A fresh, migrated database on the benchmark server, dropped by `drop()`, or on Ctrl-C. */
export async function throwawayDatabase(serverUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const db = await createThrowawayDatabase(serverUrl, prefix);
  const forget = onInterrupt(() => db.drop());
  return {
    ...db,
    drop: async () => {
      forget();
      await db.drop();
    },
  };
}

export function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer`);
  return value;
}

export function stringFlag(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
}
