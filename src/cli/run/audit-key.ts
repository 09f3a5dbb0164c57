import { appendFile } from 'node:fs/promises';
import { readAuditKeys, newSeed, type AuditKeyRing } from '../../audit/signing-key.ts';
import { recordHandovers } from '../../audit/key-handover.ts';
import { loadConfig } from '../../config.ts';
import { auditKeySource } from '../../runtime/audit-keys.ts';
import { openDatabase } from '../../runtime/database.ts';
import { openEventStore } from '../../runtime/event-store.ts';
import pino from 'pino';

/**
 * `pollster audit key`: read from the key file or AUDIT_SIGNING_KEY alone, no database, so it
 * answers on the machine that holds the key even with the server down. The exit code: 1 when
 * there is no key yet.
 */
export async function showKey(options: { fingerprint?: boolean; json?: boolean; rotate?: boolean }): Promise<number> {
  const config = loadConfig();
  const source = auditKeySource(config);
  let ring = await readAuditKeys(source);
  if (ring === undefined) {
    console.error(`pollster: no audit signing key yet at ${source.file}: the first start creates it (or moves it out of the database's secrets table)`);
    return 1;
  }
  if (options.rotate) {
    if (source.file === undefined) {
      console.error('pollster: AUDIT_SIGNING_KEY is set: append a new seed to it yourself (comma-separated, last signs) and restart; the first start writes the hand-over');
      console.error(`a fresh seed you may use: ${newSeed()}`);
      return 1;
    }
    await appendFile(source.file, `${newSeed()}\n`, { mode: 0o600 });
    ring = (await readAuditKeys(source))!;
    await recordInLog(ring);
    console.error(`rotated: ${ring.all.at(-2)!.keyId} handed over to ${ring.current.keyId} (recorded in the log); restart every node with this key file`);
  }
  const { current, all, where } = ring;
  if (options.fingerprint) console.log(current.keyId);
  else if (options.json) console.log(JSON.stringify({ fingerprint: current.keyId, algorithm: 'Ed25519', publicKey: current.publicKey, source: where, earlier: all.slice(0, -1).map((k) => k.keyId) }));
  else {
    console.log(`fingerprint  ${current.keyId}`);
    console.log(`public key   ${current.publicKey} (Ed25519, base64url)`);
    console.log(`source       ${where}`);
    if (all.length > 1) console.log(`earlier      ${all.slice(0, -1).map((k) => k.keyId).join(' → ')} → ${current.keyId} (each handed over to the next)`);
  }
  return 0;
}

async function recordInLog(ring: AuditKeyRing): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, pino({ level: 'warn' }, pino.destination(2)));
  const store = await openEventStore(config, database.url);
  try {
    await recordHandovers(store, ring.all, new Date());
  } finally {
    await store.close();
    await database.close();
  }
}
