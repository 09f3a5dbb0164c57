import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readdir, readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, percentiles, stringFlag, runConcurrent, throwawayDatabase, type Figures } from './support/measure.ts';
import type { ProcessUsage } from './support/round-trips.ts';
import { countRoundTrips, startServer, type ServerProcess } from './support/server.ts';
import { currentSessions, useSessionsFlag } from './support/own-session.ts';
import { backendCpu, backendCpuBetween, privateNats, privateRedis, redisCpuSeconds } from './support/stack.ts';
import { browserUserAgent } from './support/user-agents.ts';

/**
 * Ballot ingest through the HTTP API as users run it: the full stack (PostgreSQL, Redis, NATS),
 * fraud detection on at its defaults, token voters, every ballot from a random client network.
 * N distinct voters cast ballots on 10 active polls at a fixed concurrency, and pgbench's raw
 * single-row INSERT on the same database, in the same run, is the ceiling.
 * Its flags: ingest-flags.ts (`npm run bench -- ingest --help`); why it runs as it does: README.md.
 * `--checkpoints` is ingest-checkpoints.ts, `--fraud-path` ingest-fraud.ts.
 * Printed per ballot, for each process: CPU (the Node processes, the PostgreSQL backends of the
 * bench's database, Redis), round trips (SQL statements, Redis calls, NATS publishes; counted
 * inside the server by bench/support/round-trips.ts) and the waits (group commit, close gate).
 * Round trips and CPU per ballot do not depend on the machine's load; throughput does. Each
 * round ends once the projections have caught up, so their work is in the figures.
 */
export const POLLS = 10;
// Rounds per fraud setting (--rounds), in ABBA order, so drift (a warming JIT, a growing table, a
// neighbour's load) hits both alike; --rounds 1 holds an open-loop rate for the whole run.
const ROUNDS = 4;
export type Fraud = 'off' | 'on';
type Mode = 'start' | 'serve+worker';

interface Sample {
  nodeCpuMs: number[];
  mainThreadCpuMs: number[];
  workerThreadsCpuMs: number[];
  /** The bench's own process: the load generator. */
  clientCpuMs: number;
  /** The machine's CPU time, busy and all, and its context switches, from /proc/stat (every process, the bench's included). */
  machine: { busyMs: number; allMs: number; switches: number };
  statements: number;
  redisCalls: number;
  redisCommands: number;
  append: number[];
  gate: number[];
  pgCpu: Map<number, number>;
  redisCpu: number;
  natsIn: number;
  byStatement: Map<string, number>;
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--checkpoints')) return (await import('./ingest-checkpoints.ts')).main(args);
  if (args.includes('--fraud-path')) return (await import('./ingest-fraud.ts')).main(args);
  const ballots = numberFlag(args, 'ballots', 20_000);
  const concurrency = numberFlag(args, 'concurrency', 64);
  const rate = numberFlag(args, 'rate', 0);
  const partitions = numberFlag(args, 'partitions', 1);
  const ceilingSeconds = numberFlag(args, 'ceiling-seconds', 10);
  const warmup = numberFlag(args, 'warmup', 20_000);
  const profile = args.includes('--profile');
  const showStatements = args.includes('--statements');
  const fraud = stringFlag(args, 'fraud', 'on');
  if (!['on', 'off', 'both'].includes(fraud)) throw new Error('--fraud takes on, off or both');
  const settings: Fraud[] = fraud === 'both' ? ['off', 'on'] : [fraud as Fraud];
  useSessionsFlag(args);
  const modeFlag = stringFlag(args, 'mode', 'start');
  if (modeFlag !== 'start' && modeFlag !== 'serve+worker' && modeFlag !== 'both') throw new Error('--mode takes start, serve+worker or both');
  const options: SessionOptions = { args, ballots, concurrency, rate, partitions, ceilingSeconds, warmup, profile, showStatements, settings };
  if (modeFlag !== 'both') {
    await session(modeFlag, options);
    return;
  }
  // Both deployments side by side: a fresh database and processes per session, in blocks of four
  // (start/serve+worker/serve+worker/start, the next block mirrored), so the machine's drift touches
  // both alike; each session casts half the ballots of its mode. One block's ratio moved by up to
  // ±14% with the host: --blocks N gives N ratios to read the spread from.
  const blocks = numberFlag(args, 'blocks', 1);
  const half = { ...options, ballots: Math.ceil(ballots / 2) };
  const byMode = new Map<Mode, Map<Fraud, Totals>>();
  const ratios = new Map<Fraud, number[]>(settings.map((f) => [f, []]));
  for (let block = 0; block < blocks; block++) {
    const order: Mode[] = block % 2 === 0 ? ['start', 'serve+worker', 'serve+worker', 'start'] : ['serve+worker', 'start', 'start', 'serve+worker'];
    const inBlock = new Map<Mode, Map<Fraud, Totals>>();
    for (const mode of order) {
      const totals = await session(mode, half);
      for (const into of [byMode, inBlock]) {
        const all = into.get(mode) ?? new Map<Fraud, Totals>();
        for (const [f, t] of totals) all.set(f, add(all.get(f), t));
        into.set(mode, all);
      }
    }
    for (const f of settings) {
      const ratio = throughput(inBlock, 'serve+worker', f) / throughput(inBlock, 'start', f);
      ratios.get(f)!.push(ratio);
      if (blocks > 1) console.log(`\nblock ${block + 1} of ${blocks} (${order.join(' / ')}), fraud ${f}: serve + worker / start ${ratio.toFixed(2)}`);
    }
  }
  console.log(`\nside by side (${cpus().length} cores, ${2 * blocks} sessions of each, ${blocks > 1 ? 'ABBA then BAAB' : 'ABBA'}):`);
  for (const f of settings) {
    for (const [mode, totals] of byMode) {
      const t = totals.get(f)!;
      console.log(`fraud ${f}, ${mode}: ${Math.round(t.operations / t.seconds)} ballots/s (${t.errors} errors)\n  ${perBallot(t, mode, { redis: true, nats: true })}`);
    }
    const each = ratios.get(f)!;
    const spread = blocks > 1 ? `; by block ${each.map((r) => r.toFixed(2)).join(' / ')}, geometric mean ${geometricMean(each).toFixed(2)}` : '';
    console.log(`serve + worker / start: ${(throughput(byMode, 'serve+worker', f) / throughput(byMode, 'start', f)).toFixed(2)} of the throughput${spread} (target >= 1)`);
  }
}

const throughput = (byMode: Map<Mode, Map<Fraud, Totals>>, mode: Mode, fraud: Fraud): number => {
  const t = byMode.get(mode)!.get(fraud)!;
  return t.operations / t.seconds;
};

const geometricMean = (values: number[]): number => Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);

interface SessionOptions {
  args: string[];
  ballots: number;
  concurrency: number;
  rate: number;
  partitions: number;
  ceilingSeconds: number;
  warmup: number;
  profile: boolean;
  showStatements: boolean;
  settings: Fraud[];
}

/** One deployment on a fresh database: warm-up, then the measured rounds; returns the totals per fraud setting. */
async function session(mode: Mode, { args, ballots, concurrency, rate, partitions, ceilingSeconds, warmup, profile, showStatements, settings }: SessionOptions): Promise<Map<Fraud, Totals>> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await throwawayDatabase(base, 'pollster_bench_ingest');
  const redis = stringFlag(args, 'redis', '') ? undefined : await privateRedis();
  const nats = stringFlag(args, 'nats', '') ? undefined : await privateNats();
  const secret = randomBytes(32).toString('hex');
  const profileDir = profile ? await mkdtemp(join(tmpdir(), 'pollster-prof-')) : undefined;
  const env = {
    // --rate-limit: the server's own per-address ballot limit (default 120/min, kept in Redis) stays on;
    // every ballot here comes from an address of its own, so it measures the limit's cost, never a 429.
    DATABASE_URL: db.url, JWT_SECRET: secret, TRUST_PROXY: '127.0.0.1', ...(args.includes('--rate-limit') ? {} : { RATE_LIMIT_BALLOTS_PER_MINUTE: '0' }),
    // --log-level info: the server's default, an access line per request (the bench runs at warn).
    ...(stringFlag(args, 'log-level', '') ? { LOG_LEVEL: stringFlag(args, 'log-level', '') } : {}),
    REDIS_URL: stringFlag(args, 'redis', '') || redis!.url, NATS_URL: stringFlag(args, 'nats', '') || nats!.url,
  };
  const nodeFlags = stringFlag(args, 'node-flags', '').split(' ').filter(Boolean);
  const apiFlags = [...countRoundTrips, ...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const processes: ServerProcess[] = [];
  const monitor = new pg.Client({ connectionString: db.url });
  const dbName = new URL(db.url).pathname.slice(1);
  try {
    // Inside the try: a server that fails to start must not leave the bench's Redis and NATS behind.
    processes.push(await startServer(env, apiFlags, mode === 'start' ? 'start' : 'serve'));
    if (mode === 'serve+worker') processes.push(await startServer(env, [...countRoundTrips, ...nodeFlags], `worker --partitions ${partitions}`));
    await monitor.connect();
    const request = jsonClient(processes[0]!.url, concurrency);
    const organizer = await firstAdmin(request);
    const roundCount = numberFlag(args, 'rounds', ROUNDS);
    const perRound = Math.ceil(ballots / roundCount);
    const rounds = Array.from({ length: roundCount }).flatMap((_, r) => (r % 2 === 0 ? settings : [...settings].reverse()));
    const polls = await Promise.all(rounds.map((f) => preparePolls(request, organizer, perRound, f)));
    const warmupPolls = warmup > 0 ? await preparePolls(request, organizer, warmup, settings[0]!) : [];
    console.log(
      `${cpus().length} CPU cores, load average ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}; ` +
        `mode ${mode === 'start' ? `\`pollster start\` (WORKER_THREAD=${process.env.WORKER_THREAD || 'auto'})` : `\`pollster serve\` + \`pollster worker --partitions ${partitions}\``}, ` +
        `${ballots} ballots per fraud setting in ${roundCount} rounds after ${warmup} not counted (a server runs warm), ${POLLS} token polls, concurrency ${concurrency}${rate ? `, paced at ${rate}/s` : ''}, ` +
        `fraud ${settings.join(' vs ')}, Redis ${redis ? 'of its own' : env.REDIS_URL}, NATS ${nats ? 'of its own' : env.NATS_URL}, ` +
        `server processes in ${currentSessions() === 'own' ? 'sessions of their own' : 'the bench\'s session'}`,
    );

    const { rate: ceiling, clients } = await pgbenchCeiling(db.url, concurrency, ceilingSeconds);
    console.log(`ceiling: pgbench raw single-row INSERT, ${clients} clients, ${ceilingSeconds} s: ${Math.round(ceiling)} rows/s`);

    const snapshot = async (): Promise<Sample> => {
      const usages: ProcessUsage[] = await Promise.all(processes.map((p) => p.usage()));
      const client = process.cpuUsage();
      return {
        nodeCpuMs: usages.map((u) => u.cpuMs),
        mainThreadCpuMs: usages.map((u) => u.mainThreadCpuMs),
        workerThreadsCpuMs: usages.map((u) => u.workerThreadsCpuMs),
        clientCpuMs: (client.user + client.system) / 1000,
        machine: await machineCpu(),
        statements: sum(usages.map((u) => u.statements)),
        redisCalls: sum(usages.map((u) => u.redisCalls)),
        redisCommands: sum(usages.map((u) => u.redisCommands)),
        append: usages.flatMap((u) => u.append),
        gate: usages.flatMap((u) => u.gate),
        pgCpu: await backendCpu(monitor, dbName),
        redisCpu: redis ? redisCpuSeconds(await redis.info()) : 0,
        natsIn: nats ? await nats.messagesIn() : 0,
        byStatement: usages.reduce((all, u) => {
          for (const [k, n] of u.byStatement) all.set(k, (all.get(k) ?? 0) + n);
          return all;
        }, new Map<string, number>()),
      };
    };
    const own = { redis: redis !== undefined, nats: nats !== undefined };
    // JIT compilation and the first growth of the heap are start-up costs, not a ballot's: a
    // server in service has paid them long before. The warm-up round's figures are not counted.
    if (warmup > 0) {
      const figures = await castRound(request, warmupPolls, warmup, concurrency, rate, 'warm-up (not counted)');
      await projectionsCaughtUp(monitor);
      console.log(formatFigures(figures, 'ballots'));
    }
    const totals = new Map<Fraud, Totals>();
    const p99s = new Map<Fraud, number[]>();
    const first = await snapshot();
    for (const [r, f] of rounds.entries()) {
      const before = await snapshot();
      const timeline = rate && args.includes('--timeline') ? new Timeline() : undefined;
      const figures = await castRound(request, polls[r]!, perRound, concurrency, rate, `ballots via HTTP, fraud ${f} (round ${Math.floor(r / settings.length) + 1})`, undefined, timeline?.options());
      const castEnd = await machineCpu(); // how busy the machine was while ballots came in, the drain left out
      const drainMs = await projectionsCaughtUp(monitor);
      const after = await snapshot();
      const round = totalsOf(figures, before, after, drainMs, castEnd);
      console.log(`${formatFigures(figures, 'ballots')}\n  ${perBallot(round, mode, own)}${timeline ? `\n${timeline}` : ''}`);
      totals.set(f, add(totals.get(f), round));
      p99s.set(f, [...(p99s.get(f) ?? []), figures.p99]);
    }
    const floor = await httpFloor(request, snapshot, perRound, concurrency);
    for (const f of settings) {
      const t = totals.get(f)!;
      const rateOf = t.operations / t.seconds;
      const p99 = p99s.get(f)!;
      console.log(
        `\nfraud ${f}, ${mode} (${cpus().length} cores): ${Math.round(rateOf)} ballots/s, p99 per round ${Math.round(Math.min(...p99))}-${Math.round(Math.max(...p99))} ms, ` +
          `ratio ${(rateOf / ceiling).toFixed(2)} to pgbench's ${Math.round(ceiling)} rows/s (${t.errors} errors)\n  ${perBallot(t, mode, own)}`,
      );
    }
    const ballotMain = sum([...totals.values()].map((t) => t.mainThreadCpuMs[0]!)) / sum([...totals.values()].map((t) => t.operations));
    console.log(
      `HTTP floor, GET /health/live on the same server and ${concurrency} connections (every global hook, a JSON answer, no work): ${Math.round(floor.operations / floor.seconds)} requests/s, ` +
        `main thread ${(floor.mainThreadCpuMs[0]! / floor.operations).toFixed(3)} ms a request, ${((floor.mainThreadCpuMs[0]! / floor.operations / ballotMain) * 100).toFixed(0)}% of a ballot's ${ballotMain.toFixed(3)}`,
    );
    if (showStatements) printStatements(first.byStatement, (await snapshot()).byStatement, perRound * rounds.length);
    if (settings.length === 2) {
      const [off, on] = [totals.get('off')!, totals.get('on')!];
      const cost = (x: Totals) => (sum(x.nodeCpuMs) + x.pgCpuMs + x.redisCpuMs) / x.operations;
      console.log(`cost of detection: ${(((off.operations / off.seconds - on.operations / on.seconds) / (off.operations / off.seconds)) * 100).toFixed(1)}% of throughput, ${(((cost(on) - cost(off)) / cost(off)) * 100).toFixed(1)}% CPU per ballot`);
    }
    return totals;
  } finally {
    await monitor.end().catch(() => undefined);
    await Promise.all(processes.map((p) => p.stop()));
    redis?.stop();
    nats?.stop();
    await db.drop();
    if (profileDir) await printProfile(profileDir);
  }
}

/**
 * What any request costs this server, whatever it asks: `n` GET /health/live (the router, every
 * global hook, a serialised JSON answer, the socket write) at the ballots' concurrency. The part
 * of a ballot's main-thread CPU no change to the ballot path can remove.
 */
async function httpFloor(request: Request, snapshot: () => Promise<Sample>, n: number, concurrency: number): Promise<Totals> {
  const before = await snapshot();
  const figures = await runConcurrent('HTTP floor', n, concurrency, async () => {
    const answer = await request('GET', '/health/live', undefined, { 'x-forwarded-for': randomClient() });
    if (answer.status !== 200) throw new Error(`status ${answer.status}`);
  });
  const after = await snapshot();
  return totalsOf(figures, before, after, 0, after.machine);
}

/**
 * --timeline (paced runs): the latency of the ballots due in each second of a round, p50/p99/max
 * in ms, so a tail can be told from a steady slowness and lined up with what the server did then
 * (a major GC, a checkpoint).
 */
class Timeline {
  readonly #bySecond = new Map<number, number[]>();
  readonly #startAt = performance.now();

  options() {
    return {
      startAt: this.#startAt,
      latency: (_i: number, due: number, ms: number) => {
        const second = Math.floor((due - this.#startAt) / 1000);
        const all = this.#bySecond.get(second) ?? [];
        all.push(ms);
        this.#bySecond.set(second, all);
      },
    };
  }

  toString(): string {
    const seconds = [...this.#bySecond].map(([second, xs]) => {
      const { p50, p99 } = percentiles(Float64Array.from(xs));
      return `${second}:${Math.round(p50)}/${Math.round(p99)}/${Math.round(Math.max(...xs))}`;
    });
    return `  by second from ${new Date(performance.timeOrigin + this.#startAt).toISOString()} (due time; p50/p99/max ms): ${seconds.join(' ')}`;
  }
}

interface Totals {
  operations: number;
  seconds: number;
  errors: number;
  nodeCpuMs: number[];
  mainThreadCpuMs: number[];
  workerThreadsCpuMs: number[];
  clientCpuMs: number;
  /** Share of the machine's CPU time that was busy during the round(s), 0..1. */
  machineBusy: number;
  /** The machine's context switches while ballots came in: where a third process would pay (`--mode both`). */
  machineSwitches: number;
  pgCpuMs: number;
  redisCpuMs: number;
  statements: number;
  redisCalls: number;
  redisCommands: number;
  natsPublishes: number;
  append: number[];
  gate: number[];
  drainMs: number;
}

function totalsOf(figures: Figures, before: Sample, after: Sample, drainMs: number, castEnd: Sample['machine']): Totals {
  return {
    operations: figures.operations,
    seconds: figures.seconds,
    errors: figures.errors,
    nodeCpuMs: after.nodeCpuMs.map((ms, i) => ms - before.nodeCpuMs[i]!),
    mainThreadCpuMs: after.mainThreadCpuMs.map((ms, i) => ms - before.mainThreadCpuMs[i]!),
    workerThreadsCpuMs: after.workerThreadsCpuMs.map((ms, i) => ms - before.workerThreadsCpuMs[i]!),
    clientCpuMs: after.clientCpuMs - before.clientCpuMs,
    machineBusy: (castEnd.busyMs - before.machine.busyMs) / Math.max(1, castEnd.allMs - before.machine.allMs),
    machineSwitches: castEnd.switches - before.machine.switches,
    pgCpuMs: backendCpuBetween(before.pgCpu, after.pgCpu) * 1000,
    redisCpuMs: (after.redisCpu - before.redisCpu) * 1000,
    statements: after.statements - before.statements,
    redisCalls: after.redisCalls - before.redisCalls,
    redisCommands: after.redisCommands - before.redisCommands,
    natsPublishes: after.natsIn - before.natsIn,
    append: after.append,
    gate: after.gate,
    drainMs,
  };
}

function add(a: Totals | undefined, b: Totals): Totals {
  if (!a) return b;
  return {
    operations: a.operations + b.operations, seconds: a.seconds + b.seconds, errors: a.errors + b.errors,
    nodeCpuMs: a.nodeCpuMs.map((ms, i) => ms + b.nodeCpuMs[i]!), mainThreadCpuMs: a.mainThreadCpuMs.map((ms, i) => ms + b.mainThreadCpuMs[i]!),
    workerThreadsCpuMs: a.workerThreadsCpuMs.map((ms, i) => ms + b.workerThreadsCpuMs[i]!),
    clientCpuMs: a.clientCpuMs + b.clientCpuMs, machineBusy: (a.machineBusy * a.seconds + b.machineBusy * b.seconds) / (a.seconds + b.seconds), machineSwitches: a.machineSwitches + b.machineSwitches, pgCpuMs: a.pgCpuMs + b.pgCpuMs, redisCpuMs: a.redisCpuMs + b.redisCpuMs,
    statements: a.statements + b.statements, redisCalls: a.redisCalls + b.redisCalls, redisCommands: a.redisCommands + b.redisCommands,
    natsPublishes: a.natsPublishes + b.natsPublishes, append: [...a.append, ...b.append], gate: [...a.gate, ...b.gate], drainMs: Math.max(a.drainMs, b.drainMs),
  };
}

/** The per-ballot lines: CPU per process, round trips, waits. */
function perBallot(t: Totals, mode: Mode, own: { redis: boolean; nats: boolean }): string {
  const n = t.operations;
  const names = mode === 'start' ? ['node (start)'] : ['node (serve)', 'node (worker)'];
  const threads = (i: number) => (t.workerThreadsCpuMs[i]! > 0 ? `, worker threads ${(t.workerThreadsCpuMs[i]! / n).toFixed(3)}` : '');
  const node = t.nodeCpuMs.map((ms, i) => `${names[i]} ${(ms / n).toFixed(3)} (main thread ${(t.mainThreadCpuMs[i]! / n).toFixed(3)}${threads(i)})`).join(', ');
  const total = (sum(t.nodeCpuMs) + t.pgCpuMs + t.redisCpuMs) / n;
  const q = (xs: number[], p: number) => (xs.length === 0 ? 0 : [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!);
  const waited = t.gate.filter((ms) => ms > 0.1).length / Math.max(1, t.gate.length);
  return (
    `CPU ms/ballot: ${node}, postgres backends ${(t.pgCpuMs / n).toFixed(3)}, redis ${own.redis ? (t.redisCpuMs / n).toFixed(3) : 'n/a (not the bench\'s own)'}, total ${total.toFixed(3)}${own.redis ? '' : ' without Redis'}; ` +
    `load generator ${(t.clientCpuMs / n).toFixed(3)}; machine ${(t.machineBusy * 100).toFixed(0)}% busy, ${(t.machineSwitches / n).toFixed(1)} context switches a ballot\n` +
    `  round trips/ballot: SQL statements ${(t.statements / n).toFixed(2)}, Redis calls ${(t.redisCalls / n).toFixed(2)} (commands ${(t.redisCommands / n).toFixed(2)}), NATS publishes ${own.nats ? (t.natsPublishes / n).toFixed(2) : 'n/a (not the bench\'s own)'}\n` +
    `  waits: group commit (append) p50 ${q(t.append, 0.5).toFixed(1)} / p99 ${q(t.append, 0.99).toFixed(1)} ms; close gate p50 ${q(t.gate, 0.5).toFixed(1)} / p99 ${q(t.gate, 0.99).toFixed(1)} ms, ` +
    `${(waited * 100).toFixed(0)}% of ballots waited > 0.1 ms; projections caught up ${t.drainMs.toFixed(0)} ms after the last ballot`
  );
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** All CPUs' time so far from /proc/stat, the part of it not idle (idle and iowait are not busy), and the context switches. */
export async function machineCpu(): Promise<{ busyMs: number; allMs: number; switches: number }> {
  const lines = (await readFile('/proc/stat', 'utf8')).split('\n');
  const ticks = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = sum(ticks);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const switches = Number(lines.find((line) => line.startsWith('ctxt '))?.split(' ')[1] ?? 0);
  return { busyMs: (all - idle) * 10, allMs: all * 10, switches };
}

/**
 * Waits until every projection checkpoint has passed the log's head as it was when the round
 * ended (or they stop moving for 2 s: a partition with nothing to do), returning how long it took.
 */
export async function projectionsCaughtUp(client: pg.Client): Promise<number> {
  const started = performance.now();
  // The projections read these two categories; a checkpoint never reaches an event of another
  // (an audit checkpoint written after the round's last ballot), and waiting for it took 2 s.
  const head = BigInt((await client.query("SELECT coalesce(max(position), 0)::text AS p FROM events WHERE category IN ('poll', 'ballot')")).rows[0].p);
  let last = '';
  let still = performance.now();
  while (performance.now() - started < 60_000) {
    const { rows } = await client.query<{ p: string; all: string }>("SELECT coalesce(min(position), 0)::text AS p, string_agg(position::text, ',' ORDER BY name) AS all FROM projection_checkpoints");
    if (BigInt(rows[0]!.p) >= head) break;
    if (rows[0]!.all !== last) [last, still] = [rows[0]!.all, performance.now()];
    else if (performance.now() - still > 2_000) break;
    await sleep(20);
  }
  return performance.now() - started;
}

export type Poll = Awaited<ReturnType<typeof preparePolls>>[number];

/**
 * One measured round: `ballots` ballots over the round's polls, each from a random client address
 * and a browser's user agent unless `client` gives ballot i's headers (x-forwarded-for, user-agent).
 */
export async function castRound(
  request: Request, polls: Poll[], ballots: number, concurrency: number, rate: number, name: string,
  client: (i: number) => Record<string, string> = () => ({ 'x-forwarded-for': randomClient(), 'user-agent': browserUserAgent() }),
  /** Paced only: `startAt` (performance.now() time) for ballot 0's due time; `latency` hears each ballot's due time and latency. */
  { startAt, latency }: { startAt?: number; latency?: (i: number, due: number, ms: number) => void } = {},
) {
  const started = startAt ?? performance.now();
  // Paced, a worker takes its next ballot up to concurrency/rate s before it is due: its latency
  // runs from when it was due (a late start, the client falling behind, counts), not from the wait.
  const fromDue = rate ? new Float64Array(ballots) : undefined;
  const cast = async (i: number) => {
    const due = started + (rate ? (i / rate) * 1000 : 0);
    if (rate) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const poll = polls[i % POLLS]!;
    const response = await request('POST', `/api/polls/${poll.pollId}/ballots`, {
      answers: [{ questionId: poll.questionId, optionIds: [poll.optionIds[i % poll.optionIds.length]] }],
      voteToken: poll.tokens[Math.floor(i / POLLS)], // none on `open` polls: the voter is the client
    }, client(i));
    if (fromDue) {
      fromDue[i] = performance.now() - due;
      latency?.(i, due, fromDue[i]!);
    }
    if (response.status !== 201) throw new Error(`status ${response.status}`);
  };
  const figures = await runConcurrent(name, ballots, concurrency, cast);
  return fromDue ? { ...figures, ...percentiles(fromDue) } : figures;
}

/**
 * A random public-looking IPv4 address: a fresh /24 almost every time, as many real voters are.
 * Math.random, not crypto: the load generator shares the 2 cores with the server it measures.
 */
const below = (n: number) => Math.floor(Math.random() * n);
export const randomClient = () => `${11 + below(180)}.${below(256)}.${below(256)}.${1 + below(254)}`;

export type Request = ReturnType<typeof jsonClient>;

/** `open` polls get no tokens; `settings` are added to the polls' own (e.g. a fraudVelocityLimit). */
export async function preparePolls(
  request: Request, organizer: Record<string, string>, ballots: number, mode: Fraud,
  voterPolicy: 'token' | 'open' = 'token', settings: Record<string, unknown> = {},
) {
  const perPoll = Math.ceil(ballots / POLLS);
  return Promise.all(
    Array.from({ length: POLLS }, async (_, p) => {
      const created = await request('POST', '/api/polls', {
        title: `Bench ${p}`,
        questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] }],
        // off: the poll's own limit 0 (no counter call at all); on: the server default (FRAUD_VELOCITY_LIMIT)
        settings: { voterPolicy, ...(mode === 'off' ? { fraudVelocityLimit: 0 } : {}), ...settings },
      }, organizer);
      if (created.status !== 201) throw new Error(`createPoll ${created.status} ${JSON.stringify(created.body)}`);
      const { pollId } = created.body;
      await request('POST', `/api/polls/${pollId}/open`, undefined, organizer);
      const tokens: string[] = [];
      while (voterPolicy === 'token' && tokens.length < perPoll) {
        const issued = await request('POST', `/api/polls/${pollId}/tokens`, { count: Math.min(10_000, perPoll - tokens.length) }, organizer);
        tokens.push(...issued.body.tokens);
      }
      const poll = (await request('GET', `/api/polls/${pollId}`, undefined, organizer)).body;
      const question = poll.questions[0];
      return { pollId, questionId: question.questionId, optionIds: question.options.map((o: any) => o.optionId), tokens };
    }),
  );
}

/**
 * The database's own ceiling for this write, from a C client: pgbench, `concurrency` clients each
 * doing single-row autocommit INSERTs of a ballot-sized event row, for `seconds`. Returns rows/s.
 */
async function pgbenchCeiling(url: string, concurrency: number, seconds: number): Promise<{ rate: number; clients: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query('CREATE TABLE raw_ballots (LIKE events INCLUDING ALL)');
  await pool.end();
  const dir = await mkdtemp(join(tmpdir(), 'pollster-pgbench-'));
  const script = join(dir, 'insert.sql');
  await writeFile(
    script,
    `INSERT INTO raw_ballots (position, id, stream, category, revision, type, data, metadata) VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, gen_random_uuid(), 'ballot-raw-' || :client_id || '-' || random(), 'ballot', 0, 'BallotCast', '{"answers":[{"q":1,"o":[2]}]}', '{"actor":"bench"}');\n`,
  );
  const { hostname, port, username, pathname, searchParams } = new URL(url);
  // A `?host=/var/run/postgresql` URL connects over the Unix socket: pgbench must too.
  const host = searchParams.get('host') ?? hostname;
  const run = (clients: number) =>
    promisify(execFile)(
      'pgbench',
      ['-n', '-h', host, '-p', port || '5432', '-U', decodeURIComponent(username) || 'postgres', '-c', String(clients), '-j', String(Math.min(clients, cpus().length)), '-T', String(seconds), '-M', 'prepared', '-f', script, pathname.slice(1)],
    );
  // A server shared with other programs may not have `concurrency` connections to spare: halve.
  for (let clients = concurrency; ; clients = Math.floor(clients / 2)) {
    try {
      const { stdout } = await run(clients);
      const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
      if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
      return { rate: Number(tps), clients };
    } catch (error) {
      if (clients <= 1 || !/too many clients/.test(String((error as { stderr?: string }).stderr))) throw error;
    }
  }
}

export function printStatements(before: Map<string, number>, after: Map<string, number>, ballots: number, which = 'all rounds'): void {
  const per = [...after].map(([k, n]) => [k, (n - (before.get(k) ?? 0)) / ballots] as const).filter(([, n]) => n > 0.001);
  console.log(`SQL statements per ballot, by statement (${which}):`);
  for (const [k, n] of per.sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${n.toFixed(3).padStart(6)}  ${k}`);
}

async function printProfile(dir: string): Promise<void> {
  const [file] = await readdir(dir);
  if (!file) return;
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
    self.set(where, (self.get(where) ?? 0) + (byNode.get(node.id) ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`server CPU profile (self time, ${dir}):`);
  for (const [where, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${where}`);
  }
}
