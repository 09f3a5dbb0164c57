import diagnostics from 'node:diagnostics_channel';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Loaded into a Pollster process under test with `node --import` (bench/support/server.ts,
 * `countRoundTrips`): counts what the process sends over the wire and gathers the waits the
 * code publishes on diagnostics channels, and answers `usage` over the IPC channel.
 * - statements: every query a pg client sends (slonik runs on pg too); BEGIN and COMMIT count.
 * - Redis calls: round trips; a pipeline (one write of many commands) is one, its commands apart.
 * - waits: `pollster:append` (submit → commit: the group commit) and `pollster:close-gate`
 *   (`assertOpenAt`), in ms.
 * These are properties of the code, not of the machine's load, so before/after compare well
 * on a busy machine where throughput does not. `--import` loads this into every worker thread too
 * (`pollster start`'s worker thread, the Merkle tree's): each answers the main thread's `usage?`
 * over a BroadcastChannel with its own counts and CPU, which the main thread adds to its answer.
 */
const counts = { statements: 0, redisCalls: 0, redisCommands: 0 };
/** Statements by prepared name or opening words: which ones a ballot costs (`--statements`). */
const byStatement = new Map<string, number>();
const statementKey = (first: unknown): string => {
  const config = typeof first === 'string' ? { text: first } : (first as { name?: string; text?: string } | undefined);
  return config?.name ?? (config?.text ?? '?').replace(/\s+/g, ' ').trim().slice(0, 72);
};
let append: number[] = [];
let gate: number[] = [];

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  counts.statements++;
  const key = statementKey(args[0]);
  byStatement.set(key, (byStatement.get(key) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const pipelines = new WeakSet<object>();
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command: unknown, stream?: unknown, ...rest: unknown[]) {
  counts.redisCommands++;
  if (stream === undefined || stream === null) counts.redisCalls++;
  else if (typeof stream === 'object' && !pipelines.has(stream)) {
    pipelines.add(stream);
    counts.redisCalls++;
  }
  return (sendCommand as (...a: unknown[]) => unknown).call(this, command, stream, ...rest);
} as typeof sendCommand;

diagnostics.subscribe('pollster:append', (message) => append.push((message as { ms: number }).ms));
diagnostics.subscribe('pollster:close-gate', (message) => gate.push((message as { ms: number }).ms));

export interface ProcessUsage {
  cpuMs: number;
  /** The main thread's share of cpuMs: the event loop, which one core bounds; the rest is V8's helpers (GC, JIT) and libuv's pool. */
  mainThreadCpuMs: number;
  /** The process's worker threads (their event loops), each counted in cpuMs too. */
  workerThreadsCpuMs: number;
  statements: number;
  redisCalls: number;
  redisCommands: number;
  /** Samples since the previous `usage` answer. */
  append: number[];
  gate: number[];
  /** Cumulative, by statement (see byStatement). */
  byStatement: [string, number][];
}

interface ThreadUsage {
  cpuMs: number;
  statements: number;
  redisCalls: number;
  redisCommands: number;
  byStatement: [string, number][];
}
const threads = new BroadcastChannel('pollster-bench-round-trips');
threads.unref();
const threadCpuMs = () => {
  const own = process.threadCpuUsage();
  return (own.user + own.system) / 1000;
};
// Long enough for a thread busy with a batch to answer; a thread that has ended never does.
const THREAD_ANSWER_MS = 150;

if (!isMainThread) {
  threads.onmessage = (event) => {
    if ((event as MessageEvent).data !== 'usage?') return;
    threads.postMessage({ cpuMs: threadCpuMs(), ...counts, byStatement: [...byStatement] } satisfies ThreadUsage);
  };
} else if (process.send) {
  process.channel?.unref();
  process.on('message', async (message) => {
    if (message !== 'usage') return;
    const answers: ThreadUsage[] = [];
    const listen = (event: Event) => {
      const data = (event as MessageEvent).data as ThreadUsage | string;
      if (typeof data === 'object') answers.push(data);
    };
    threads.addEventListener('message', listen);
    threads.postMessage('usage?');
    await new Promise((resolve) => setTimeout(resolve, THREAD_ANSWER_MS));
    threads.removeEventListener('message', listen);
    const cpu = process.cpuUsage();
    const all = { ...counts };
    const statements = new Map(byStatement);
    for (const answer of answers) {
      all.statements += answer.statements;
      all.redisCalls += answer.redisCalls;
      all.redisCommands += answer.redisCommands;
      for (const [key, n] of answer.byStatement) statements.set(key, (statements.get(key) ?? 0) + n);
    }
    const usage: ProcessUsage = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      mainThreadCpuMs: threadCpuMs(),
      workerThreadsCpuMs: answers.reduce((total, answer) => total + answer.cpuMs, 0),
      ...all,
      append,
      gate,
      byStatement: [...statements],
    };
    append = [];
    gate = [];
    process.send!(usage);
  });
}
