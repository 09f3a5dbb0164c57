import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { PostgresBinaries } from './binaries.ts';
import { EmbeddedDatabaseError } from './errors.ts';
import { firstLine, type SystemUser } from './system-user.ts';

const run = promisify(execFile);

const SUPERUSER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only keeps other local users out by accident.
export const PASSWORD = 'pollster';
export const DATABASE = 'pollster';

export interface ClusterOptions {
  binaries: PostgresBinaries;
  /** The user PostgreSQL runs as when we are root (it refuses root); undefined: as ourselves. */
  runAs: SystemUser | undefined;
  dir: string;
  log: (line: string) => void;
}

/**
 * A PostgreSQL cluster driven through pg_ctl. pg_ctl starts the server in a session of its own,
 * so a Ctrl-C to Pollster's process group never reaches it: Pollster finishes its work and
 * stops the server last (otherwise every connection in flight fails with 57P01 mid-shutdown).
 */
export function cluster(options: ClusterOptions) {
  const { binaries, runAs, dir } = options;
  const logFile = join(dir, 'log', 'server.log');
  const asOwner = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  // cwd '/': the caller's folder may be one the postgres user cannot enter.
  const pgctl = (args: string[]) => run(binaries.bin('pg_ctl'), ['-D', dir, ...args], { ...asOwner, cwd: '/', timeout: 120_000 });

  return {
    logFile,

    async exists(): Promise<boolean> {
      return stat(join(dir, 'PG_VERSION')).then(() => true, () => false);
    },

    /**
     * initdb into a side folder renamed into place only when complete: a start interrupted
     * here leaves no half cluster that the next start would take for a real one.
     */
    async create(): Promise<void> {
      const partial = `${dir}.partial`;
      // Folders left by an interrupted start; neither holds a cluster (no PG_VERSION).
      await rm(partial, { recursive: true, force: true });
      if (!(await this.exists())) await rm(dir, { recursive: true, force: true });
      await mkdir(partial, { recursive: true, mode: 0o700 });
      const secrets = await mkdtemp(join(tmpdir(), 'pollster-pw-'));
      const passwordFile = join(secrets, 'password');
      try {
        await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
        if (runAs) {
          for (const path of [partial, secrets, passwordFile]) await chown(path, runAs.uid, runAs.gid);
        }
        await run(
          binaries.bin('initdb'),
          ['--pgdata', partial, '--username', SUPERUSER, '--auth', 'password', '--pwfile', passwordFile, '--encoding', 'UTF8', '--locale', 'C'],
          { ...asOwner, cwd: '/', timeout: 120_000 },
        );
        await mkdir(join(partial, 'log'), { mode: 0o700 });
        if (runAs) await chown(join(partial, 'log'), runAs.uid, runAs.gid);
        await rename(partial, dir);
      } catch (cause) {
        await rm(partial, { recursive: true, force: true });
        throw new EmbeddedDatabaseError(`could not create the embedded PostgreSQL cluster in ${dir}: ${commandError(cause)}`, { cause });
      } finally {
        await rm(secrets, { recursive: true, force: true });
      }
    },

    async isRunning(): Promise<boolean> {
      return pgctl(['status']).then(() => true, () => false);
    },

    async start(port: number, settings: Record<string, string>): Promise<void> {
      await mkdir(join(dir, 'log'), { recursive: true, mode: 0o700 });
      if (runAs) await chown(join(dir, 'log'), runAs.uid, runAs.gid);
      const flags = [`-p ${port}`, "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''"];
      for (const [name, value] of Object.entries(settings)) flags.push(`-c ${name}=${value}`);
      try {
        await pgctl(['-l', logFile, '-w', '-t', '60', '-o', flags.join(' '), 'start']);
      } catch (cause) {
        const { reason, portTaken } = await serverFailure(logFile);
        const fix = portTaken
          ? `port ${port} is taken by another program: free it, or set EMBEDDED_PG_PORT to a free port`
          : `see ${logFile}`;
        throw new EmbeddedDatabaseError(`embedded PostgreSQL did not start on 127.0.0.1:${port}: ${reason || commandError(cause)}; ${fix}`, { cause });
      }
    },

    /** `fast`: roll back open work and checkpoint; `immediate`: no checkpoint, recovery at the next start (drills). */
    async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
      await pgctl(['-m', mode, '-w', 'stop']).catch(async (error: unknown) => {
        if (await this.isRunning()) throw error;
      });
    },
  };
}

export type Cluster = ReturnType<typeof cluster>;

/** The application database: created on every start where it is missing (an interrupted first start). */
export async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

export function databaseUrl(port: number): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

/** Why the server's last start failed, from the end of its log. */
async function serverFailure(logFile: string): Promise<{ reason: string; portTaken: boolean }> {
  const lines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-30);
  const fatal = lines.findLast((line) => /\b(FATAL|PANIC):/.test(line));
  return {
    reason: fatal?.replace(/^.*?\b(FATAL|PANIC):\s*/, '').trim() ?? '',
    portTaken: lines.some((line) => /address already in use/i.test(line)),
  };
}

function commandError(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr ? firstLine(stderr) : firstLine(error);
}
