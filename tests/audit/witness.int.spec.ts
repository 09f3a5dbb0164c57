import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCheckpoint, buildCheckpoint, checkpointHash, treeOf, type Checkpoint } from '../../src/audit/checkpoint.ts';
import { feedText, type FeedItem } from '../../src/audit/checkpoint-feed.ts';
import { buildHandover } from '../../src/audit/key-handover.ts';
import { proveInclusion, verifyInclusion, type InclusionProof } from '../../src/audit/inclusion-proof.ts';
import { newSeed } from '../../src/audit/signing-key.ts';
import { signingKeyFrom } from '../../src/audit/signing.ts';
import { verifyPoll } from '../../src/audit/verify-poll.ts';
import { CheckpointWriter } from '../../src/audit/write-checkpoint.ts';
import { auditStream } from '../../src/domain/shared/streams.ts';
import { call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { variedAnswers } from './support.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Issue 16.5, as the attacks a witness on another machine stops. The operator holds the signing
 * key, so every forged checkpoint below is validly signed: what gives them away is that they
 * contradict what the witness kept. Each attack starts from the same witnessed state (four
 * checkpoints of one poll read from the real endpoint) and is served by a stand-in server.
 */
let t: TestApp;
let dir: string;
let serverUrl: string;
let poll: any;
let receipts: string[];
let honest: string;
let fake: Server;
let fakeUrl: string;
let fakeFeed = '';

beforeAll(async () => {
  t = await createTestApp();
  dir = await mkdtemp(join(tmpdir(), 'pollster-witness-'));
  serverUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const organizer = await callerWith(t, 'organizer');
  poll = await openedPoll(t.app, organizer, {});
  receipts = [];
  const writer = new CheckpointWriter({ store: t.services.store, key: t.services.secrets.auditKey, now: () => new Date() });
  for (let i = 0; i < 3; i++) {
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: variedAnswers(poll, i) } });
    receipts.push(cast.body.receipt);
    await writer.write(poll.pollId, await committedHead(t.services), 'events');
  }
  // The feed reads the log up to its readable end, which an older transaction anywhere on the
  // shared server (another test file's) can hold below the last checkpoint for a while: the
  // witness's one read (`--once`) then saw two of the three.
  await committedHead(t.services, 30_000);
  fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(fakeFeed));
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  honest = join(dir, 'honest');
}, 60_000);
afterAll(async () => {
  fake?.close();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function pollster(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const key = () => t.services.secrets.auditKey;
const checkpoints = async (): Promise<Checkpoint[]> => (await t.services.store.readStream(auditStream(poll.pollId))).map((e) => asCheckpoint(e.data)!);

/** What a stand-in server answers: these items after the witness's cursor, the head at or past them. */
async function serve(items: FeedItem[], head?: bigint): Promise<void> {
  const state = JSON.parse(await readFile(join(honest, 'state.json'), 'utf8'));
  const top = head ?? (BigInt(state.cursor) > FAR ? BigInt(state.cursor) : FAR) + 1000n;
  fakeFeed = feedText({ items, next: String(top), head: String(top) }, BigInt(state.cursor), key());
}

/** A copy of the honestly witnessed state, for one attack. */
async function witnessed(name: string): Promise<string> {
  const copy = join(dir, name);
  await cp(honest, copy, { recursive: true });
  return copy;
}

/** A validly signed checkpoint chained to `previous` (the operator holds the key). */
/**
 * Log positions past anything the server wrote: positions are transaction ids shifted left by
 * 20 bits, so a constant like 999,999,999,999 is passed once the cluster's transaction counter
 * reaches ~954,000 (a busy development machine gets there).
 */
const FAR = 4_000_000_000_000_000_000n;
const far = (back: number) => String(FAR - BigInt(back));

function signed(sequence: number, previous: Checkpoint | null, signer = key(), through = FAR): Checkpoint {
  return buildCheckpoint({ pollId: poll.pollId, previous: previous ?? undefined, sequence, through, tree: treeOf([]), events: 99, reason: 'events', signedAt: new Date() }, signer);
}

describe('pollster audit witness', () => {
  it('follows the real feed, keeps every checkpoint and verifies each against the one before', async () => {
    const first = await pollster(['audit', 'witness', '--from', serverUrl, '--key', key().keyId, '--state', honest, '--once']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('caught up: 3 checkpoints of 1 polls');
    // More traffic, a fourth checkpoint: the next pass takes it.
    await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: variedAnswers(poll, 3) } });
    await new CheckpointWriter({ store: t.services.store, key: key(), now: () => new Date() }).write(poll.pollId, await committedHead(t.services), 'events');
    const second = await pollster(['audit', 'witness', '--from', serverUrl, '--state', honest, '--once']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('caught up: 4 checkpoints');
    const kept = (await readFile(join(honest, 'checkpoints.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(kept.map((k) => k.checkpoint?.sequence)).toEqual([0, 1, 2, 3]);
    // The chain holds in the log too, and verify checks it.
    expect((await verifyPoll({ store: t.services.store, sql: t.services.sql, pinnedKeyIds: [key().keyId] }, poll.pollId)).problems).toEqual([]);
  }, 60_000);

  it('catches a rollback: the log restored from a backup (its head behind what the witness read), exit 2', async () => {
    const state = await witnessed('rollback');
    await serve([], 5n);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toMatch(/^WITNESS ALARM: rollback\n {2}ROLLBACK: the log's head is at position 5, but this witness has read checkpoints through \d+: the log went back/);
    expect(await readFile(join(state, 'findings.jsonl'), 'utf8')).toContain('"kind":"rollback"');
    // The state did not move: the next run reports it again.
    expect((await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once'])).code).toBe(2);
  }, 60_000);

  it('catches a rollback: history re-signed from an earlier checkpoint after a restore', async () => {
    const [c0] = await checkpoints();
    const state = await witnessed('resigned');
    await serve([{ kind: 'checkpoint', position: far(10), checkpoint: signed(1, c0!) }]);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain(`ROLLBACK poll ${poll.pollId} at position ${far(10)}: poll ${poll.pollId} is back at checkpoint 1`);
  }, 60_000);

  it('catches a fork: a next checkpoint that does not name the one the witness saw', async () => {
    const [, , c2] = await checkpoints();
    const state = await witnessed('fork');
    await serve([{ kind: 'checkpoint', position: far(10), checkpoint: signed(4, c2!) }]);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain('WITNESS ALARM: fork');
    expect(ran.stdout).toContain(`checkpoint 4 of poll ${poll.pollId} names ${checkpointHash(c2!).slice(0, 16)}… as the one before, but this witness saw`);
  }, 60_000);

  it('catches a fork: a second checkpoint at a sequence already seen', async () => {
    const [, , c2] = await checkpoints();
    const state = await witnessed('fork-same');
    await serve([{ kind: 'checkpoint', position: far(10), checkpoint: signed(3, c2!) }]);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain(`FORK poll ${poll.pollId} at position ${far(10)}: poll ${poll.pollId} has two checkpoints 3`);
  }, 60_000);

  it('catches a gap: a checkpoint withheld from the feed', async () => {
    const all = await checkpoints();
    const state = await witnessed('gap');
    const c4 = signed(4, all[3]!);
    await serve([{ kind: 'checkpoint', position: far(9), checkpoint: signed(5, c4) }]);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain(`GAP poll ${poll.pollId} at position ${far(9)}: poll ${poll.pollId} went from checkpoint 3 to 5: checkpoints 4..4 were never published`);
  }, 60_000);

  it('catches an unannounced key change, and accepts one the pinned key handed over', async () => {
    const all = await checkpoints();
    const other = signingKeyFrom(newSeed());
    const state = await witnessed('key-change');
    await serve([{ kind: 'checkpoint', position: far(10), checkpoint: signed(4, all[3]!, other) }]);
    const ran = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', state, '--once']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toContain(`KEY-CHANGE poll ${poll.pollId} at position ${far(10)}: checkpoint 4 of poll ${poll.pollId} is signed by key ${other.keyId}, which no hand-over chains back to the pinned key ${key().keyId}`);

    const handedOver = await witnessed('handed-over');
    await serve([
      { kind: 'handover', position: far(11), handover: buildHandover(key(), other, new Date()) },
      { kind: 'checkpoint', position: far(10), checkpoint: signed(4, all[3]!, other) },
    ]);
    const accepted = await pollster(['audit', 'witness', '--from', fakeUrl, '--state', handedOver, '--once']);
    expect(accepted.stdout).toContain('caught up: 5 checkpoints');
    expect(accepted.code).toBe(0);
  }, 60_000);
});

describe('a receipt proven under a witnessed checkpoint', () => {
  it('verifies, and a tampered proof does not', async () => {
    const latest = (await checkpoints()).at(-1)!;
    const hash = checkpointHash(latest);
    const proof = await proveInclusion(t.services.store, receipts[1]!, hash);
    expect(verifyInclusion(proof, { receipt: receipts[1]!, checkpoint: hash, trustedKeyIds: new Set([key().keyId]) })).toEqual([]);

    const tampered: Array<[string, InclusionProof]> = [
      ['a path hash', { ...proof, path: proof.path.map((p, i) => (i === 0 ? p.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) : p)) }],
      ['the leaf index', { ...proof, leaf: { ...proof.leaf, index: (proof.leaf.index + 1) % proof.treeSize } }],
      ['the event hash', { ...proof, event: { ...proof.event, hash: proof.event.hash.replace(/.$/, (ch) => (ch === '0' ? '1' : '0')) } }],
      ['the checkpoint root', { ...proof, checkpoint: { ...proof.checkpoint, merkleRoot: '0'.repeat(64) } }],
    ];
    for (const [what, bad] of tampered) {
      expect(verifyInclusion(bad, { receipt: receipts[1]!, checkpoint: hash }), what).not.toEqual([]);
    }
    // Another receipt's proof is not this receipt's.
    expect(verifyInclusion(await proveInclusion(t.services.store, receipts[0]!, hash), { receipt: receipts[1]!, checkpoint: hash })).toContain('the proof is for another receipt');

    // Through the API and the CLI, against the witness's state (the checkpoint must be one it kept).
    const ok = await pollster(['audit', 'receipt', receipts[1]!, '--checkpoint', hash, '--from', serverUrl, '--state', honest]);
    expect(ok.stdout).toContain(`receipt ${receipts[1]}: INCLUDED under checkpoint ${hash}`);
    expect(ok.code).toBe(0);
    const file = join(dir, 'tampered-proof.json');
    await writeFile(file, JSON.stringify(tampered[0]![1]));
    const bad = await pollster(['audit', 'receipt', receipts[1]!, '--checkpoint', hash, '--proof', file, '--key', key().keyId]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("PROBLEM the audit path does not lead to the checkpoint's Merkle root");
    const unknown = await t.app.inject({ method: 'GET', url: `/api/receipts/${receipts[1]}/proof?checkpoint=${'ab'.repeat(32)}` });
    expect(unknown.statusCode).toBe(404);
  }, 60_000);
});
