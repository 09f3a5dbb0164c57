import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresBinaries } from '../../../src/db/embedded/binaries.ts';
import { type Cluster, cluster, databaseUrl, ensureDatabase } from '../../../src/db/embedded/cluster.ts';
import { postgresSystemUser } from '../../../src/db/embedded/system-user.ts';
import { freePort, listening } from '../../process/pollster-process.ts';

/**
 * PostgreSQL, Redis and NATS of a drill's own, on free ports, which the drill stops, kills and
 * restarts: the shared services on the standard ports serve every other test and must not be
 * touched. PostgreSQL is the npm-shipped one Pollster embeds; Redis and NATS are the machine's.
 */
export interface PrivateStores {
  postgres: PrivatePostgres;
  redis: PrivateProcess;
  nats: PrivateProcess;
  close(): Promise<void>;
}

export async function startPrivateStores(): Promise<PrivateStores> {
  const folder = await mkdtemp(join(tmpdir(), 'pollster-drill-'));
  await chmod(folder, 0o755); // PostgreSQL runs as its own user when we are root
  const postgres = await PrivatePostgres.start(join(folder, 'postgres'));
  const redisPort = await freePort();
  const redis = new PrivateProcess('redis', redisPort, 'redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no']);
  const natsPort = await freePort();
  const nats = new PrivateProcess('nats', natsPort, '/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)]);
  await Promise.all([redis.start(), nats.start()]);
  return {
    postgres,
    redis,
    nats,
    async close() {
      await Promise.all([redis.kill(), nats.kill()]);
      await postgres.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

export class PrivatePostgres {
  readonly port: number;
  readonly #db: Cluster;

  private constructor(port: number, db: Cluster) {
    this.port = port;
    this.#db = db;
  }

  get url(): string {
    return databaseUrl(this.port);
  }

  static async start(dir: string): Promise<PrivatePostgres> {
    const runAs = process.getuid?.() === 0 ? await postgresSystemUser() : undefined;
    const db = cluster({ binaries: await postgresBinaries(runAs), runAs, dir, log: () => {} });
    await db.create();
    const postgres = new PrivatePostgres(await freePort(), db);
    await postgres.restart();
    await ensureDatabase(postgres.port);
    return postgres;
  }

  async restart(): Promise<void> {
    await this.#db.start(this.port, { max_connections: '100', fsync: 'off' });
  }

  /** pg_ctl stop: `fast` (roll back and checkpoint) or `immediate` (no checkpoint: crash recovery at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#db.stop(mode);
  }
}

/** A server process on a fixed port: SIGKILLed and started again on the same port. */
export class PrivateProcess {
  readonly name: string;
  readonly port: number;
  readonly #command: string;
  readonly #args: string[];
  #child: ChildProcess | undefined;

  constructor(name: string, port: number, command: string, args: string[]) {
    this.name = name;
    this.port = port;
    this.#command = command;
    this.#args = args;
  }

  get url(): string {
    return `${this.name}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(this.#command, this.#args, { stdio: 'ignore' });
    for (const deadline = Date.now() + 10_000; !(await listening(this.port)); await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not start on port ${this.port}`);
    }
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
