import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `pollster worker` (node src/cli/main.ts worker) as a child process, so a test can kill
 * it with SIGKILL: a crash in which nothing is released or flushed, and PostgreSQL learns of it
 * only because the connections close. stderr is kept (last lines) for the failure message.
 */
export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the process is gone: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then wait until the process is gone. */
  kill(): Promise<void>;
}

const TEST_VOTER_KEY = `k1:${randomBytes(32).toString('base64url')}`;
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Drills start the worker again and again: Node's compile cache keeps the type-stripped and
// compiled modules from one start to the next (about a third of a start's CPU).
const COMPILE_CACHE = join(tmpdir(), 'pollster-test-compile-cache');

export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      POLLSTER_DATA_DIR: `/tmp/pollster-crash-${randomUUID()}`,
      LOG_LEVEL: 'warn',
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      LEASE_RETRY_MS: '100',
      // Every worker of a test must hold the same voter key: the database remembers its check value.
      VOTER_KEY: TEST_VOTER_KEY,
      // Background jobs run once at start, then not again while a test runs: a milestone job
      // appending MilestoneReached in the middle of a comparison (a minute in, under load) moved
      // a poll's results position between two reads that must agree.
      JOBS_INTERVAL_MS: '3600000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    child,
    output: () => tail,
    exited,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
