import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { OperatorError } from '../operator-error.ts';
import { signingKeyFrom, type SigningKey } from './signing.ts';

/**
 * The audit signing key lives outside the database (ARCHITECTURE.md, "Trust"): in the secrets
 * table, whoever held the database could sign a forged checkpoint. A key ring, oldest first:
 * AUDIT_SIGNING_KEY (seeds separated by commas, or one PKCS#8 PEM), else a key file
 * (AUDIT_SIGNING_KEY_FILE, default `<data dir>/keys/audit-signing-key`), one base64url 32-byte
 * Ed25519 seed per line, created 0600 on first start. The last key signs; each earlier one signs
 * a hand-over to the next (key-handover.ts), so checkpoints of every key stay verifiable from a
 * key an auditor pinned before the rotation.
 */
export type AuditKeySource = { file: string; value?: undefined } | { value: string; file?: undefined };

export interface AuditKeyRing {
  /** Signs checkpoints, exports and feeds. */
  current: SigningKey;
  /** Every key, oldest first (current last). */
  all: SigningKey[];
  /** Where the ring was read from, for messages (a path, or AUDIT_SIGNING_KEY). */
  where: string;
}

export class AuditKeyError extends OperatorError {}

/** The `secrets` row the key lived in before it moved out of the database. */
const LEGACY_SECRET = 'audit-signing-key';

export function parseAuditKeys(text: string, where: string, separator: RegExp = /\n/): SigningKey[] {
  const trimmed = text.trim();
  const entries = trimmed.startsWith('-----BEGIN')
    ? [trimmed]
    : trimmed
        .split(separator)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
  if (entries.length === 0) throw new AuditKeyError(`${where}: no audit signing key`);
  return entries.map((entry, i) => {
    try {
      return signingKeyFrom(entry);
    } catch (error) {
      throw new AuditKeyError(`${where}: entry ${i + 1}: ${(error as Error).message}`);
    }
  });
}

const readIfExists = (file: string) =>
  readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });

const HEADER = '# Pollster audit signing keys (Ed25519 seeds), oldest first; the last one signs. Back this file up; append a line to rotate.\n';

/** 0600 in a 0700 folder; `wx` so two processes starting at once cannot both write a key. */
export async function writeNewKeyFile(file: string, seeds: readonly string[]): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${HEADER}${seeds.map((s) => `${s}\n`).join('')}`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await chmod(file, 0o600);
  return true;
}

export const newSeed = (): string => randomBytes(32).toString('base64url');

/** The ring without a database (`pollster audit key`): undefined when the key file does not exist yet. */
export async function readAuditKeys(source: AuditKeySource): Promise<AuditKeyRing | undefined> {
  const where = source.file ?? 'AUDIT_SIGNING_KEY';
  const text = source.file !== undefined ? await readIfExists(source.file) : source.value;
  if (text === undefined) return undefined;
  const all = parseAuditKeys(text, where, source.file !== undefined ? /\n/ : /[\n,]/);
  return { current: all.at(-1)!, all, where };
}

/**
 * Loads the ring, creating the key file on first start; a key still in the `secrets` table (a
 * deployment from before) becomes the file's first line and leaves the table, said in the log.
 */
export async function loadAuditKeys(pool: DatabasePool, source: AuditKeySource, log: (line: string) => void = () => {}): Promise<AuditKeyRing> {
  const legacy = await pool.maybeOneFirst(sql.type(z.object({ value: z.string() }))`SELECT value FROM secrets WHERE name = ${LEGACY_SECRET}`);
  let ring = await readAuditKeys(source);
  if (ring === undefined && source.file !== undefined) {
    const seed = legacy ?? newSeed();
    if (await writeNewKeyFile(source.file, [seed])) {
      const key = signingKeyFrom(seed);
      log(legacy !== null
        ? `moved the audit signing key out of the database into ${source.file} (fingerprint ${key.keyId}); it is no longer in the secrets table`
        : `generated an audit signing key in ${source.file} (fingerprint ${key.keyId})`);
    }
    ring = (await readAuditKeys(source))!;
  }
  if (legacy !== null) {
    const old = signingKeyFrom(legacy);
    if (ring!.all.some((k) => k.keyId === old.keyId)) {
      await pool.query(sql.unsafe`DELETE FROM secrets WHERE name = ${LEGACY_SECRET}`);
      log(`removed the audit signing key (fingerprint ${old.keyId}) from the secrets table; ${ring!.where} holds it`);
    } else if (source.file !== undefined) {
      // Its checkpoints would lose their key: the operator decides, nothing is guessed.
      throw new AuditKeyError(`the secrets table still holds the audit signing key (fingerprint ${old.keyId}) earlier checkpoints were signed with, and ${source.file} does not: put it first in the file (SELECT value FROM secrets WHERE name = '${LEGACY_SECRET}'), then start again`);
    }
  }
  return ring!;
}
