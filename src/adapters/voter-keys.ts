import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { OperatorError } from '../operator-error.ts';

/**
 * The keys that derive anonymous voter keys and the per-poll hashes stored with ballots. They
 * live outside the database (ARCHITECTURE.md, "Trust: what holds against whom"): with the key in
 * the `secrets` table, anyone holding a dump could recompute HMAC(account id) and relink every
 * anonymous ballot to its account.
 *
 * A key ring, oldest first, one `<id> <base64url secret>` per line (a file) or `id:secret` entries
 * separated by commas (VOTER_KEY). The last key is current: new polls record its id and keep it
 * for their whole life, so a rotation never changes the voter keys of a poll created before it
 * (a voter cannot vote twice by waiting for a rotation). The first key is the base: polls created
 * before key ids were recorded, and national-id hashes (a uniqueness index that cannot be rehashed
 * without the ids themselves), use it forever.
 */
export interface VoterKeyring {
  current: string;
  /** The base key: polls without a recorded key id, national-id hashes. */
  base: string;
  /**
   * The secret of a key id; throws for an id this node does not hold (never falls back). A
   * KeyObject, not bytes: node 24's HMAC spends 20-40 µs checking a Buffer or string key on every
   * call (what a ballot's five HMACs cost, 15% of the server's CPU), 1 µs for a KeyObject.
   */
  key(id: string | undefined): KeyObject;
}

export type VoterKeySource = { file: string; value?: undefined } | { value: string; file?: undefined };

export class VoterKeyError extends OperatorError {}

/** The `secrets` row the key lived in before it moved out of the database. */
const LEGACY_SECRET = 'identity-hmac';

interface Entry {
  id: string;
  secret: string;
}

function parseKeyring(text: string, where: string, separator: RegExp = /\n/): Entry[] {
  const entries = text
    .split(separator)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line, i, all) => {
      const [id, secret] = /^([A-Za-z0-9_.-]+)[\s:]+(\S+)$/.exec(line)?.slice(1) ?? (all.length === 1 && /^\S+$/.test(line) ? ['k1', line] : []);
      if (!id || !secret || Buffer.from(secret, 'base64url').length < 16) {
        throw new VoterKeyError(`${where}: entry ${i + 1} is not "<id> <secret>" with a secret of at least 16 bytes (base64url)`);
      }
      return { id, secret };
    });
  if (entries.length === 0) throw new VoterKeyError(`${where}: no voter key`);
  if (new Set(entries.map((e) => e.id)).size !== entries.length) throw new VoterKeyError(`${where}: a key id appears twice`);
  return entries;
}

const checkValue = (secret: string) => createHmac('sha256', secret).update('pollster voter key check').digest('hex');

function keyring(entries: readonly Entry[], where: string): VoterKeyring {
  const byId = new Map(entries.map((e) => [e.id, createSecretKey(Buffer.from(e.secret))]));
  const base = entries[0]!;
  return {
    current: entries.at(-1)!.id,
    base: base.id,
    key(id) {
      const key = byId.get(id ?? base.id);
      if (!key) throw new VoterKeyError(`voter key ${id} is not in ${where}: this poll's voter keys cannot be derived without it`);
      return key;
    },
  };
}

async function readIfExists(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** 0600 in a 0700 folder; `wx` so two processes starting at once cannot both write a key. */
async function writeKeyFile(file: string, text: string): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await chmod(file, 0o600); // the umask may have taken bits away from `mode`, never added any
  return true;
}

/**
 * Loads the ring (creating the key file on first start), moves a key still in the `secrets`
 * table out of the database, and checks the ring against the key ids this database's polls use.
 */
export async function loadVoterKeys(pool: DatabasePool, source: VoterKeySource, log: (line: string) => void = () => {}): Promise<VoterKeyring> {
  const where = source.file ?? 'VOTER_KEY';
  const legacy = await pool.maybeOneFirst(sql.type(z.object({ value: z.string() }))`SELECT value FROM secrets WHERE name = ${LEGACY_SECRET}`);
  let text = source.file ? await readIfExists(source.file) : source.value;
  if (text === undefined && source.file) {
    const known = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM voter_keys`);
    if (legacy === null && known > 0) {
      // A fresh key now would give every existing voter a new voter key: refuse instead.
      throw new VoterKeyError(`${source.file} is missing, but this database's polls were keyed with a voter key: restore the key file (or set VOTER_KEY_FILE to it)`);
    }
    const entry = legacy !== null ? { id: 'k0', secret: legacy } : { id: 'k1', secret: randomBytes(32).toString('base64url') };
    const header = '# Pollster voter keys, oldest first; the last one keys new polls. Back this file up: without it, open polls cannot be voted in.\n';
    if (await writeKeyFile(source.file, `${header}${entry.id} ${entry.secret}\n`)) {
      log(legacy !== null
        ? `moved the voter key out of the database into ${source.file} (key id k0); it is no longer in the secrets table`
        : `generated a voter key in ${source.file} (key id k1)`);
    }
    text = await readFile(source.file, 'utf8');
  }
  const entries = parseKeyring(text ?? '', where, source.file ? /\n/ : /[\n,]/);
  if (legacy !== null) {
    // Deleted only once the ring holds it: the ballots of existing polls were keyed with it.
    if (!entries.some((e) => e.secret === legacy)) {
      throw new VoterKeyError(`the secrets table still holds the voter key existing polls use, and ${where} does not: add it as the first entry ("k0 <secret>", from SELECT value FROM secrets WHERE name = '${LEGACY_SECRET}'), then start again`);
    }
    await pool.query(sql.unsafe`DELETE FROM secrets WHERE name = ${LEGACY_SECRET}`);
    if (!source.file || text !== undefined) log(`removed the voter key from the secrets table; ${where} holds it`);
  }
  for (const e of entries) {
    await pool.query(sql.unsafe`INSERT INTO voter_keys (id, check_value) VALUES (${e.id}, ${checkValue(e.secret)}) ON CONFLICT (id) DO NOTHING`);
  }
  const recorded = await pool.any(sql.type(z.object({ id: z.string(), check_value: z.string() }))`SELECT id, check_value FROM voter_keys`);
  for (const row of recorded) {
    const mine = entries.find((e) => e.id === row.id);
    if (!mine) throw new VoterKeyError(`voter key ${row.id} keyed polls in this database but is not in ${where}: every node needs the whole key ring`);
    if (checkValue(mine.secret) !== row.check_value) throw new VoterKeyError(`voter key ${row.id} in ${where} is not the key this database's polls were keyed with`);
  }
  return keyring(entries, where);
}

/**
 * The per-poll key: the ring key the poll was created with, bound to the poll id, so nothing
 * derived from it for one poll equals anything derived for another.
 */
export function pollKey(keys: VoterKeyring, poll: { pollId: string; voterKeyId?: string }): KeyObject {
  let derived = pollKeys.get(keys);
  if (derived === undefined) pollKeys.set(keys, (derived = new Map()));
  const id = `${poll.voterKeyId ?? ''}:${poll.pollId}`;
  let key = derived.get(id);
  if (key === undefined) {
    key = createSecretKey(createHmac('sha256', keys.key(poll.voterKeyId)).update(`poll:${poll.pollId}`).digest());
    // Hot polls stay; a node that has seen more polls than this starts the cache over.
    if (derived.size >= MAX_CACHED_POLL_KEYS) derived.clear();
    derived.set(id, key);
  }
  return key;
}

/** Derived per-poll keys, per ring: every ballot derives its poll's key at least twice. */
const pollKeys = new WeakMap<VoterKeyring, Map<string, KeyObject>>();
const MAX_CACHED_POLL_KEYS = 10_000;
