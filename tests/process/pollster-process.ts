import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The real `pollster` process, as operators start it, for tests of start-up and shutdown. */
export const repoRoot = new URL('../..', import.meta.url).pathname;
const main = join(repoRoot, 'src/cli/main.ts');

export interface PollsterProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** `node src/cli/main.ts ...args` (or another command line) in its own process group. */
export function spawnPollster(args: string[], env: Record<string, string>, command: string[] = [process.execPath, main]): PollsterProcess {
  const [file, ...rest] = command;
  const child = spawn(file!, [...rest, ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', NATS_URL: '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

export async function waitReady(port: number, limitMs = 60_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < limitMs; await sleep(100)) {
    if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)) return true;
  }
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Another program holding a port. */
export async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return server;
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A folder of mode 0700 (mkdtemp's), like root's home folder, with the data folder inside. */
export async function privateFolder(): Promise<{ root: string; dataDir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'pollster-proc-'));
  const dataDir = join(root, 'data');
  return {
    root,
    dataDir,
    async remove() {
      // A cluster relocated out of the folder (we run as root) is removed with it.
      const state = await readFile(join(dataDir, 'embedded.json'), 'utf8').then((t) => JSON.parse(t) as { clusterDir: string }, () => undefined);
      if (state && !state.clusterDir.startsWith(root)) await rm(state.clusterDir, { recursive: true, force: true });
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The JSON log lines of a process's output at level error (50) or above. */
export function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return false;
    }
  });
}

/** The lines a failed start printed that are not JSON log lines: what a person reads. */
export function plainLines(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() && !line.startsWith('{'));
}

export async function embeddedPort(dataDir: string): Promise<number> {
  return (JSON.parse(await readFile(join(dataDir, 'embedded.json'), 'utf8')) as { port: number }).port;
}

/** Calls the API of a process over HTTP: JSON answers as JSON, anything else as text. */
export function httpCaller(port: number) {
  return async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
}

/** Registers an account through the API and returns its access token. */
export async function registeredToken(call: ReturnType<typeof httpCaller>, email: string): Promise<string> {
  const account = { email, password: 'a password long enough' };
  const registered = await call('POST', '/api/auth/register', { ...account, displayName: 'Organiser' });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  return (await call('POST', '/api/auth/login', account)).body.accessToken as string;
}
