import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedDatabaseError } from './errors.ts';

const run = promisify(execFile);

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

const NAME = 'postgres';

/**
 * PostgreSQL refuses to run as root, so a root Pollster runs it as the `postgres` system user
 * (Debian's, where its PostgreSQL is installed), creating that user when it is missing.
 */
export async function postgresSystemUser(): Promise<SystemUser> {
  const found = await lookup(NAME);
  if (found) return found;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', NAME]);
  } catch (cause) {
    throw new EmbeddedDatabaseError(
      `PostgreSQL cannot run as root and the system user "${NAME}" could not be created (${firstLine(cause)}); ` +
        `create it (useradd --system ${NAME}) or run Pollster as an ordinary user`,
      { cause },
    );
  }
  const created = await lookup(NAME);
  if (!created) throw new EmbeddedDatabaseError(`the system user "${NAME}" was created but cannot be found`);
  return created;
}

async function lookup(name: string): Promise<SystemUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * Whether `user` can reach `path`: search permission on every folder above it. A root home
 * folder (mode 0700) fails this, and a cluster or binaries below it cannot be used by PostgreSQL.
 */
export async function reachableBy(user: Pick<SystemUser, 'uid' | 'gid'>, path: string): Promise<boolean> {
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const info = await stat(folder).catch(() => undefined);
    if (info && !searchable(info, user)) return false;
    if (folder === dirname(folder)) return true;
  }
}

function searchable(info: { mode: number; uid: number; gid: number }, user: Pick<SystemUser, 'uid' | 'gid'>): boolean {
  if (info.uid === user.uid) return (info.mode & 0o100) !== 0;
  if (info.gid === user.gid) return (info.mode & 0o010) !== 0;
  return (info.mode & 0o001) !== 0;
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').find((line) => line.trim())?.trim() ?? 'unknown error';
}
