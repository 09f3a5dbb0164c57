import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createThrowawayDatabase } from '../../src/db/throwaway-database.ts';

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
  const latencies = new Float64Array(n);
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await op(i).catch(() => errors++);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const at = (q: number) => latencies[Math.min(n - 1, Math.floor(q * n))] ?? 0;
  return { name, operations: n, seconds, errors, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
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

/** A fresh, migrated database on the benchmark server, dropped by `drop()`. */
export const throwawayDatabase = createThrowawayDatabase;

export function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer`);
  return value;
}
