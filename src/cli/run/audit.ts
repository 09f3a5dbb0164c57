import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import pino from 'pino';
import { exportPoll } from '../../audit/export-poll.ts';
import { formatReport } from '../../audit/format-report.ts';
import { fingerprintFrom, publicKeyFrom, type SigningKey } from '../../audit/signing.ts';
import { loadAuditKeys } from '../../audit/signing-key.ts';
import { recordHandovers } from '../../audit/key-handover.ts';
import { auditKeySource } from '../../runtime/audit-keys.ts';
import { verifyExport } from '../../audit/verify-export.ts';
import { allPollIds, verifyPoll } from '../../audit/verify-poll.ts';
import { CheckpointWriter } from '../../audit/write-checkpoint.ts';
import { loadConfig } from '../../config.ts';
import { CLI_POOL, createSqlPool } from '../../db/slonik.ts';
import { getResults } from '../../projections/results/get-results.ts';
import { openDatabase } from '../../runtime/database.ts';
import { openEventStore } from '../../runtime/event-store.ts';

export interface VerifyOptions {
  all?: boolean;
  file?: string;
  publicKey?: string;
  /** Pinned fingerprints (`--key`, repeatable). */
  key?: string[];
  receipt?: string;
  json?: boolean;
}

export async function verify(pollId: string | undefined, options: VerifyOptions): Promise<number> {
  if (options.file) return verifyFile(options);
  return withDatabase(async ({ store, sql }) => {
    const ids = options.all ? await allPollIds(store) : [pollId!.toLowerCase()];
    let failed = 0;
    for (const id of ids) {
      const pinned = options.key?.map(fingerprintFrom);
      // Without --key the log's own keys are trusted (with a warning): this CLI may not hold the server's key file.
      const { results: _results, ...report } = await verifyPoll({ store, sql, pinnedKeyIds: pinned ?? [] }, id);
      if (!report.ok) failed++;
      console.log(options.json ? JSON.stringify(report, bigints) : formatReport({ ...report, results: _results }));
    }
    if (options.all) console.log(`${ids.length} polls verified, ${failed} with problems`);
    return failed > 0 ? 1 : 0;
  });
}

export async function exportOne(pollId: string, options: { out?: string }): Promise<void> {
  await withKey(async ({ store, sql, key }) => {
    const out = options.out ? createWriteStream(options.out, { flags: 'wx' }) : process.stdout;
    const write = async (chunk: string) => {
      if (!out.write(chunk)) await once(out, 'drain');
    };
    const id = pollId.toLowerCase();
    const { events } = await exportPoll({ store, key, now: () => new Date(), results: () => getResults(sql, id) }, id, write);
    if (options.out) {
      out.end();
      await once(out, 'finish');
      console.error(`${events} events of poll ${id} written to ${options.out} (key ${key.keyId})`);
    }
  });
}

export async function checkpointNow(pollId: string): Promise<void> {
  await withKey(async ({ store, key }) => {
    const writer = new CheckpointWriter({ store, key, now: () => new Date() });
    const { checkpoint } = await writer.write(pollId.toLowerCase(), await store.headPosition(), 'manual');
    console.log(JSON.stringify(checkpoint));
  });
}

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? String(value) : value);

async function verifyFile(options: VerifyOptions): Promise<number> {
  const text = await readFile(options.file!, 'utf8');
  const pinned = options.publicKey === undefined ? undefined : publicKeyFrom(await readFile(options.publicKey, 'utf8').catch(() => options.publicKey!));
  const pinnedKeyIds = options.key?.map(fingerprintFrom);
  const { report, receipt } = verifyExport(text, {
    ...(pinned ? { publicKey: pinned } : {}),
    ...(pinnedKeyIds ? { pinnedKeyIds } : {}),
    ...(options.receipt ? { receipt: options.receipt } : {}),
  });
  console.log(options.json ? JSON.stringify({ report, receipt }, bigints) : formatReport(report));
  if (receipt && !options.json) {
    console.log(
      receipt.included
        ? `receipt: included at position ${receipt.position}, ballot ${receipt.ballotId} (${receipt.eventType}), status ${receipt.status}`
        : 'receipt: NOT in this export',
    );
  }
  return report.ok && (receipt?.included ?? true) ? 0 : 1;
}

type Deps = { store: Awaited<ReturnType<typeof openEventStore>>; sql: Awaited<ReturnType<typeof createSqlPool>> };

/** With the signing key ring (export, checkpoint): created, or moved out of the database, if need be. */
async function withKey<T>(work: (deps: Deps & { key: SigningKey }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  return withDatabase(async (deps) => {
    const ring = await loadAuditKeys(deps.sql, auditKeySource(config), (line) => console.error(line));
    await recordHandovers(deps.store, ring.all, new Date());
    return work({ ...deps, key: ring.current });
  });
}

async function withDatabase<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = pino({ level: 'warn' }, pino.destination(2)); // stdout is for the report
  const database = await openDatabase(config, logger);
  const store = await openEventStore(config, database.url);
  const sql = await createSqlPool(database.url, { maximumPoolSize: 4, label: CLI_POOL });
  try {
    return await work({ store, sql });
  } finally {
    await store.close();
    await sql.end();
    await database.close();
  }
}
