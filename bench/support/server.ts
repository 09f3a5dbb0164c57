import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnService } from './own-session.ts';
import type { ProcessUsage } from './round-trips.ts';

/**
 * Pollster started as its own process, as operators run it, for black-box benches: `pollster
 * start` (everything in one process) or `pollster serve` (an API node; projections elsewhere).
 */
export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** What the process sent and waited for so far (only with `countRoundTrips`; see round-trips.ts). */
  usage(): Promise<ProcessUsage>;
  stop(): Promise<void>;
}

/** Node flags that load bench/support/round-trips.ts into the server: its round trips and waits, asked with `usage()`. */
export const countRoundTrips = ['--import', fileURLToPath(new URL('./round-trips.ts', import.meta.url))];

/**
 * A data folder (keys, outbox) of the bench's own per database, shared by the processes of one
 * database (serve and worker must load the same voter key): never the checkout's `.pollster`,
 * whose keys belong to another database and would stop the next bench's server at start.
 */
export function benchDataDir(databaseUrl: string | undefined): string {
  return join(tmpdir(), 'pollster-bench', createHash('sha256').update(databaseUrl ?? '').digest('hex').slice(0, 16));
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `command` is `start`, `serve` or `worker [flags]` (no HTTP port: ready once it runs for 2 s). */
export async function startServer(env: Record<string, string>, nodeFlags: string[] = [], command: 'start' | 'serve' | `worker${string}` = 'start'): Promise<ServerProcess> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const child = spawnService(process.execPath, [...nodeFlags, main, ...command.split(' ')], {
    env: { ...process.env, LOG_LEVEL: 'warn', POLLSTER_DATA_DIR: benchDataDir(env.DATABASE_URL), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = `http://127.0.0.1:${port}`;
  if (command.startsWith('worker')) await sleep(2_000);
  for (let i = 0; i < 300 && !command.startsWith('worker'); i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    child,
    usage: () =>
      new Promise<ProcessUsage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no usage answer: start the server with countRoundTrips')), 5_000);
        child.once('message', (message) => (clearTimeout(timer), resolve(message as ProcessUsage)));
        child.send('usage');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
