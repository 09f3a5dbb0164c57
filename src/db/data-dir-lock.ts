import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OperatorError } from '../operator-error.ts';

/**
 * One Pollster process per data folder. Two embedded PostgreSQL servers on one folder would
 * corrupt it, so the second process must stop with a clear message before touching anything.
 * The lock file holds the owner's pid; a lock whose pid is dead (a crash, a SIGKILL) is stale
 * and taken over.
 */
export class DataDirInUseError extends OperatorError {}

// Folders this process holds: its own pid in a lock file is then a live lock, not a stale one
// (in a container every run may be pid 1).
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'pollster.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(path);
      return {
        release: async () => {
          heldHere.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await lockOwner(dataDir);
      if (owner !== undefined) {
        throw new DataDirInUseError(
          `another Pollster process (pid ${owner}) is using the data folder ${dataDir}; ` +
            'stop it first, or set POLLSTER_DATA_DIR to another folder',
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new DataDirInUseError(`could not lock the data folder ${dataDir}`);
}

/** The live process holding the folder's lock, if any (a stale lock's dead pid is not). */
export async function lockOwner(dataDir: string): Promise<number | undefined> {
  const path = join(dataDir, 'pollster.pid');
  const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return owner && (owner === process.pid ? heldHere.has(path) : isAlive(owner)) ? owner : undefined;
}
