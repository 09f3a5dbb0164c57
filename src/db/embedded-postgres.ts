import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { lockDataDir, lockOwner } from './data-dir-lock.ts';
import { postgresBinaries, SYSTEM_DIR } from './embedded/binaries.ts';
import { cluster, databaseUrl, ensureDatabase } from './embedded/cluster.ts';
import { choosePort, readState, writeState } from './embedded/embedded-state.ts';
import { postgresSystemUser, reachableBy, type SystemUser } from './embedded/system-user.ts';

export { EmbeddedDatabaseError } from './embedded/errors.ts';

const IDLE_IN_TRANSACTION_TIMEOUT = '20s';

/**
 * The embedded default: a real PostgreSQL from the npm-shipped binaries, its data kept between
 * runs, so a newcomer needs nothing but `npm start`. Every failure to start it is an
 * EmbeddedDatabaseError of one line naming the cause and the fix.
 */
export interface EmbeddedDatabase {
  url: string;
  /** The cluster's folder (for the start-up log). */
  dataDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** EMBEDDED_PG_PORT; unset = the remembered port or a free one. */
  port?: number | undefined;
  log: (line: string) => void;
  settings?: Record<string, string>;
}): Promise<EmbeddedDatabase> {
  const lock = await lockDataDir(options.dataDir);
  try {
    // PostgreSQL refuses to run as root; it then runs as the postgres system user.
    const runAs = process.getuid?.() === 0 ? await postgresSystemUser() : undefined;
    const binaries = await postgresBinaries(runAs);
    const remembered = await readState(options.dataDir);
    const dir = remembered?.clusterDir ?? (await clusterDirFor(options.dataDir, runAs, options.log));
    const db = cluster({ binaries, runAs, dir, log: options.log });
    // We hold the folder's lock, so a server running on its cluster was left by a killed run.
    if (await db.isRunning()) {
      options.log(`stopping an embedded PostgreSQL left running by an earlier run (${dir})`);
      await db.stop();
    }
    if (!(await db.exists())) {
      options.log(`creating embedded PostgreSQL cluster in ${dir}`);
      await db.create();
    }
    const port = await choosePort(options.port, remembered?.port);
    await writeState(options.dataDir, { port, clusterDir: dir });
    await db.start(port, {
      max_connections: '200',
      // A transaction left open anywhere holds back every reader of the log (projections, live
      // results, the vote path's close check): a forgotten psql BEGIN must not freeze Pollster.
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT,
      ...options.settings,
    });
    try {
      await ensureDatabase(port);
    } catch (error) {
      await db.stop();
      throw error;
    }
    options.log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
    return {
      url: databaseUrl(port),
      dataDir: dir,
      async stop() {
        await db.stop();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * The embedded database of a Pollster process running on this data folder, if there is one:
 * operator commands use it rather than being refused by the folder's lock.
 */
export async function runningEmbeddedPostgres(dataDir: string): Promise<{ url: string; pid: number; port: number } | undefined> {
  const pid = await lockOwner(dataDir);
  const state = pid === undefined ? undefined : await readState(dataDir);
  return pid !== undefined && state ? { url: databaseUrl(state.port), pid, port: state.port } : undefined;
}

/**
 * `<dataDir>/postgres`, unless the postgres user cannot reach it (a data folder below a root
 * home folder of mode 0700): then a folder of its own under SYSTEM_DIR, named after the data folder.
 */
async function clusterDirFor(dataDir: string, runAs: SystemUser | undefined, log: (line: string) => void): Promise<string> {
  const inside = join(dataDir, 'postgres');
  if (!runAs || (await reachableBy(runAs, inside))) return inside;
  const id = createHash('sha256').update(await realpath(dataDir)).digest('hex').slice(0, 16);
  const dir = join(SYSTEM_DIR, 'clusters', id);
  await mkdir(join(SYSTEM_DIR, 'clusters'), { recursive: true, mode: 0o755 });
  log(`the "${runAs.name}" user PostgreSQL runs as cannot enter ${dataDir}: its cluster lives in ${dir} (recorded in ${join(dataDir, 'embedded.json')})`);
  return dir;
}
