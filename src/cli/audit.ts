import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import pino from 'pino';
import { exportPoll } from '../audit/export-poll.ts';
import { formatReport } from '../audit/format-report.ts';
import { publicKeyFrom } from '../audit/signing.ts';
import { loadSigningKey } from '../audit/signing-key.ts';
import { verifyExport } from '../audit/verify-export.ts';
import { allPollIds, verifyPoll } from '../audit/verify-poll.ts';
import { CheckpointWriter } from '../audit/write-checkpoint.ts';
import { loadConfig } from '../config.ts';
import { createSqlPool } from '../db/slonik.ts';
import { getResults } from '../projections/queries/get-results.ts';
import { openDatabase } from '../runtime/database.ts';
import { openEventStore } from '../runtime/event-store.ts';

/**
 * `pollster audit verify <pollId> | --all | --file export.jsonl`, `pollster audit export <pollId>`
 * and `pollster audit checkpoint <pollId>` (src/audit/README.md). Reports on stdout, logs on
 * stderr; exit code 1 when any problem is found, so scripts and CI can rely on it.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('integrity checks of the log: verify, export, checkpoint');
  audit
    .command('verify')
    .description('recompute the hash chains, check the signed checkpoint and re-tally the results from the log')
    .argument('[pollId]', 'the poll to verify')
    .option('--all', 'every poll in the log')
    .option('--file <export>', 'verify an export offline (no database)')
    .option('--public-key <key>', 'with --file: the trusted public key (base64, PEM, or a file holding one), from GET /api/audit/public-key')
    .option('--receipt <receipt>', 'with --file: also check this ballot receipt against the export')
    .option('--json', 'print the report as JSON')
    .action(async (pollId: string | undefined, options: VerifyOptions, command: Command) => {
      if (options.file) return verifyFile(options);
      if (!pollId && !options.all) command.error('pollster: say which poll, or --all, or --file <export>');
      await withDatabase(async ({ store, sql, key }) => {
        const ids = options.all ? await allPollIds(store) : [pollId!.toLowerCase()];
        let failed = 0;
        for (const id of ids) {
          const { results: _results, ...report } = await verifyPoll({ store, sql, key }, id);
          if (!report.ok) failed++;
          console.log(options.json ? JSON.stringify(report, bigints) : formatReport({ ...report, results: _results }));
        }
        if (options.all) console.log(`${ids.length} polls verified, ${failed} with problems`);
        process.exitCode = failed > 0 ? 1 : 0;
      });
    });
  audit
    .command('export')
    .description('JSON lines of every event of the poll in log order, its checkpoints, results and the public key, signed')
    .argument('<pollId>')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (pollId: string, options: { out?: string }) => {
      await withDatabase(async ({ store, sql, key }) => {
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
    });
  audit
    .command('checkpoint')
    .description('sign a checkpoint of the poll now (the worker does this on its own; for operators and tests)')
    .argument('<pollId>')
    .action(async (pollId: string) => {
      await withDatabase(async ({ store, key }) => {
        const writer = new CheckpointWriter({ store, key, now: () => new Date() });
        const { checkpoint } = await writer.write(pollId.toLowerCase(), await store.headPosition(), 'manual');
        console.log(JSON.stringify(checkpoint));
      });
    });
}

interface VerifyOptions {
  all?: boolean;
  file?: string;
  publicKey?: string;
  receipt?: string;
  json?: boolean;
}

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? String(value) : value);

async function verifyFile(options: VerifyOptions): Promise<void> {
  const text = await readFile(options.file!, 'utf8');
  const pinned = options.publicKey === undefined ? undefined : publicKeyFrom(await readFile(options.publicKey, 'utf8').catch(() => options.publicKey!));
  const { report, receipt } = verifyExport(text, { ...(pinned ? { publicKey: pinned } : {}), ...(options.receipt ? { receipt: options.receipt } : {}) });
  console.log(options.json ? JSON.stringify({ report, receipt }, bigints) : formatReport(report));
  if (receipt && !options.json) {
    console.log(
      receipt.included
        ? `receipt: included at position ${receipt.position}, ballot ${receipt.ballotId} (${receipt.eventType}), status ${receipt.status}`
        : 'receipt: NOT in this export',
    );
  }
  process.exitCode = report.ok && (receipt?.included ?? true) ? 0 : 1;
}

async function withDatabase<T>(work: (deps: { store: Awaited<ReturnType<typeof openEventStore>>; sql: Awaited<ReturnType<typeof createSqlPool>>; key: Awaited<ReturnType<typeof loadSigningKey>> }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = pino({ level: 'warn' }, pino.destination(2)); // stdout is for the report
  const database = await openDatabase(config, logger);
  const store = await openEventStore(config, database.url);
  const sql = await createSqlPool(database.url, { maximumPoolSize: 4 });
  try {
    return await work({ store, sql, key: await loadSigningKey(sql, config.AUDIT_SIGNING_KEY) });
  } finally {
    await store.close();
    await sql.end();
    await database.close();
  }
}
