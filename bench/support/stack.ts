import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './server.ts';
import { spawnService } from './own-session.ts';

/**
 * The full stack's other parts for a benchmark: a Redis and a NATS server of the bench's own
 * (redis-server and nats-server from PATH), so that their CPU and message counts are the
 * benchmark's alone even where other programs use the machine's shared ones; and the CPU of the
 * PostgreSQL backends serving one database, from /proc (the server must run on this machine).
 */
export interface Sidecar {
  url: string;
  stop(): void;
}

async function untilListening(port: number, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`${name} did not listen on ${port}`);
}

export async function privateRedis(): Promise<Sidecar & { info(): Promise<string> }> {
  const port = await freePort();
  const child = spawnService('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await untilListening(port, child, 'redis-server');
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: () => void child.kill('SIGTERM'),
    info: () => redisInfo(port),
  };
}

/** INFO over a bare socket: the bench's own Redis client would count itself. */
function redisInfo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('INFO cpu\r\nQUIT\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

export const redisCpuSeconds = (info: string): number =>
  Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);

export async function privateNats(): Promise<Sidecar & { messagesIn(): Promise<number> }> {
  const [port, monitor] = [await freePort(), await freePort()];
  const child = spawnService('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)], { stdio: 'ignore' });
  await untilListening(port, child, 'nats-server');
  await untilListening(monitor, child, 'nats-server monitoring');
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: () => void child.kill('SIGTERM'),
    messagesIn: async () => ((await (await fetch(`http://127.0.0.1:${monitor}/varz`)).json()) as { in_msgs: number }).in_msgs,
  };
}

/** CPU seconds (user + system) of every PostgreSQL backend connected to the database now, by pid. */
export async function backendCpu(client: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // ended meanwhile, or on another machine
    }
  }
  return cpu;
}

/** CPU the backends used between two `backendCpu` readings (those alive at both; pools keep theirs). */
export function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0); // a backend opened meanwhile: all of its CPU
  return seconds;
}
