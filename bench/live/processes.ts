import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { EDGE_NODE_OPTIONS } from '../../src/api/live/edge-app.ts';
import { spawnService } from '../support/own-session.ts';
import { benchDataDir } from '../support/server.ts';

/**
 * Node scripts of the bench in processes of their own, each with the open-files limit raised to
 * the hard limit first (10,000 sockets need more descriptors than the usual soft 1,024).
 */
export function spawnNode(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  nodeOptions: readonly string[] = [],
  as: 'client' | 'service' = 'client',
): ChildProcess {
  const path = fileURLToPath(new URL(script, import.meta.url));
  // A service (the edge) starts as the bench's other servers do (support/own-session.ts); the
  // viewers stand for clients on other machines and stay in the bench's session.
  return (as === 'service' ? spawnService : spawn)('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'bash', process.execPath, ...nodeOptions, path, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/**
 * The edge (`serve --edge-only`) on `port`, once /health/ready answers; with the Node options an
 * edge is documented to run with (EDGE_NODE_OPTIONS, README "Live results").
 */
export async function startEdge(port: number, env: Record<string, string>): Promise<{ child: ChildProcess; pid: number; stop(): Promise<void> }> {
  // Every simulated viewer comes from 127.0.0.1: the per-address bound is lifted for the bench.
  const limits = { LIVE_MAX_VIEWERS_PER_ADDRESS: '0', LIVE_MAX_VIEWERS: '0' };
  const dataDir = { POLLSTER_DATA_DIR: benchDataDir(env.DATABASE_URL) };
  const child = spawnNode('./edge-process.ts', [], { LOG_LEVEL: 'warn', ...limits, ...dataDir, ...env, HOST: '127.0.0.1', PORT: String(port) }, EDGE_NODE_OPTIONS, 'service');
  child.stdout!.pipe(process.stdout);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`edge exited with ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  return { child, pid: child.pid!, stop: () => stop(child) };
}

/** A line-protocol child: `send('report')` resolves with the next JSON line of the given type. */
export function lineChild(child: ChildProcess) {
  const waiting: Array<{ type: string; resolve: (value: any) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: { type?: string };
    try {
      message = JSON.parse(line);
    } catch {
      return console.log(line);
    }
    const at = waiting.findIndex((w) => w.type === message.type);
    if (at >= 0) waiting.splice(at, 1)[0]!.resolve(message);
  });
  const next = (type: string) => new Promise<any>((resolve) => waiting.push({ type, resolve }));
  return {
    next,
    send(command: string, reply: string) {
      const answer = next(reply);
      child.stdin!.write(`${command}\n`);
      return answer;
    },
    child,
    stop: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}
