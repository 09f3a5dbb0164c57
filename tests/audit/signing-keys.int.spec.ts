import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPoll } from '../../src/audit/export-poll.ts';
import { readHandovers, recordHandovers } from '../../src/audit/key-handover.ts';
import { loadAuditKeys, newSeed } from '../../src/audit/signing-key.ts';
import { signingKeyFrom, type SigningKey } from '../../src/audit/signing.ts';
import { verifyExport } from '../../src/audit/verify-export.ts';
import { verifyPoll } from '../../src/audit/verify-poll.ts';
import { CheckpointWriter } from '../../src/audit/write-checkpoint.ts';
import { getResults } from '../../src/projections/results/get-results.ts';
import { call, callerWith } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { pollWithHistory, variedAnswers } from './support.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Issue 16.4, as the attacks it stops: an operator (or whoever holds the database) who signs with
 * a key of their own is refused by a verifier that pinned the real key's fingerprint; a rotation
 * the old key handed over to keeps every checkpoint verifiable from that same pin; the key that
 * lived in the `secrets` table moves out once, and says so.
 */
let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  dir = await mkdtemp(join(tmpdir(), 'pollster-keys-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exported = async (pollId: string, key: SigningKey) => {
  const chunks: string[] = [];
  await exportPoll({ store: t.services.store, key, now: () => new Date(), results: () => getResults(t.services.sql, pollId) }, pollId, (c) => void chunks.push(c));
  return chunks.join('');
};

function pollster(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('a pinned audit key', () => {
  it('refuses a checkpoint signed by a swapped-in key, online, offline and in the CLI', async () => {
    const { poll } = await pollWithHistory(t, { voters: 4 });
    const real = t.services.secrets.auditKey;
    const pinned = [real.keyId];
    expect((await verifyPoll({ store: t.services.store, sql: t.services.sql, pinnedKeyIds: pinned }, poll.pollId)).ok).toBe(true);

    // The attacker forges a vote, then signs a checkpoint over it with a key of their own,
    // and even a hand-over from their key to another one: nothing chains back to the pin.
    const voter = await callerWith(t);
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: variedAnswers(poll, 1) } });
    const swapped = signingKeyFrom(newSeed());
    await recordHandovers(t.services.store, [swapped, signingKeyFrom(newSeed())], new Date());
    await new CheckpointWriter({ store: t.services.store, key: swapped, now: () => new Date() }).write(poll.pollId, await committedHead(t.services), 'manual');

    const online = await verifyPoll({ store: t.services.store, sql: t.services.sql, pinnedKeyIds: pinned }, poll.pollId);
    expect(online.ok).toBe(false);
    expect(online.problems).toContainEqual(expect.objectContaining({ code: 'checkpoint.unknown-key', message: expect.stringContaining(swapped.keyId) }));

    // An export the attacker signs whole with their key.
    const forged = verifyExport(await exported(poll.pollId, swapped), { pinnedKeyIds: pinned });
    expect(forged.report.ok).toBe(false);
    expect(forged.report.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['export.unknown-key', 'checkpoint.unknown-key']));

    const file = join(dir, 'forged.jsonl');
    await writeFile(file, await exported(poll.pollId, swapped));
    const cli = await pollster(['audit', 'verify', '--file', file, '--key', real.keyId], {});
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('PROBLEM checkpoint.unknown-key');
    const cliOnline = await pollster(['audit', 'verify', poll.pollId, '--key', real.keyId], { DATABASE_URL: t.db.url, EVENT_STORE: 'postgres' });
    expect(cliOnline.code).toBe(1);
    expect(cliOnline.stdout).toContain('checkpoint.unknown-key');
  }, 60_000);

  it('keeps checkpoints of the old and the new key verifiable after a signed hand-over', async () => {
    const { poll } = await pollWithHistory(t, { voters: 4 });
    const old = t.services.secrets.auditKey;
    const next = signingKeyFrom(newSeed());
    const [handover] = await recordHandovers(t.services.store, [old, next], new Date());
    expect(handover).toMatchObject({ previousKeyId: old.keyId, keyId: next.keyId });
    expect(await readHandovers(t.services.store)).toContainEqual(handover);

    const voter = await callerWith(t);
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: variedAnswers(poll, 2) } });
    await t.services.readModelsAt(await committedHead(t.services));
    await new CheckpointWriter({ store: t.services.store, key: next, now: () => new Date() }).write(poll.pollId, await committedHead(t.services), 'manual');

    // Pinned before the rotation: both keys' checkpoints verify.
    const pinnedOld = await verifyPoll({ store: t.services.store, sql: t.services.sql, pinnedKeyIds: [old.keyId] }, poll.pollId);
    expect(pinnedOld.problems).toEqual([]);
    expect(pinnedOld.checkpoint).toMatchObject({ keyId: next.keyId, signatureOk: true, merkleRootOk: true });
    // The installation after the rotation vouches for the keys that handed over to it.
    expect((await verifyPoll({ store: t.services.store, sql: t.services.sql, key: next }, poll.pollId)).problems).toEqual([]);
    // Offline: an export signed by the new key, pinned to the old fingerprint.
    expect(verifyExport(await exported(poll.pollId, next), { pinnedKeyIds: [old.keyId] }).report.problems).toEqual([]);
    // Pinned to the new key alone, the old checkpoints are not vouched for (hand-overs go forward only).
    const pinnedNew = await verifyPoll({ store: t.services.store, sql: t.services.sql, pinnedKeyIds: [next.keyId] }, poll.pollId);
    expect(pinnedNew.problems.map((p) => p.code)).toContain('checkpoint.unknown-key');
  }, 60_000);
});

describe('where the key lives', () => {
  it('moves a key kept in the secrets table into the key file once, with a log line, and the CLI prints its fingerprint', async () => {
    const seed = newSeed();
    const legacy = signingKeyFrom(seed);
    await t.services.sql.query(sql.unsafe`INSERT INTO secrets (name, value) VALUES ('audit-signing-key', ${seed}) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`);
    const file = join(dir, 'keys', 'audit-signing-key');
    const lines: string[] = [];
    const ring = await loadAuditKeys(t.services.sql, { file }, (line) => lines.push(line));
    expect(ring.current.keyId).toBe(legacy.keyId);
    expect(lines.join('\n')).toContain(`moved the audit signing key out of the database into ${file} (fingerprint ${legacy.keyId})`);
    expect(await readFile(file, 'utf8')).toContain(seed);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await t.services.sql.maybeOneFirst(sql.unsafe`SELECT value FROM secrets WHERE name = 'audit-signing-key'`)).toBeNull();
    // A second start finds it in the file and logs nothing.
    const again: string[] = [];
    expect((await loadAuditKeys(t.services.sql, { file }, (line) => again.push(line))).current.keyId).toBe(legacy.keyId);
    expect(again).toEqual([]);

    const printed = await pollster(['audit', 'key', '--fingerprint'], { AUDIT_SIGNING_KEY_FILE: file, DATABASE_URL: 'postgres://db.invalid/none' });
    expect(printed).toMatchObject({ code: 0, stdout: `${legacy.keyId}\n` });
  }, 60_000);
});
