import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportPoll } from '../../src/audit/export-poll.ts';
import { verifyExport } from '../../src/audit/verify-export.ts';
import { registerAuditCommands } from '../../src/cli/audit.ts';
import { getResults } from '../../src/projections/results/get-results.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { pollWithHistory, type PollHistory } from './support.ts';

/**
 * Issue 7.3: an export verifies offline (no database: verifyExport and the CLI's --file path
 * take only the file) and fails after any edit to the file.
 */
let t: TestApp;
let history: PollHistory;
let text: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  history = await pollWithHistory(t, { voters: 12 });
  const chunks: string[] = [];
  const pollId = history.poll.pollId;
  const key = t.services.secrets.auditKey;
  await exportPoll({ store: t.services.store, key, now: () => new Date(), results: () => getResults(t.services.sql, pollId) }, pollId, (c) => {
    chunks.push(c);
  });
  text = chunks.join('');
  dir = await mkdtemp(join(tmpdir(), 'pollster-export-'));
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const key = () => t.services.secrets.auditKey.publicKey;

describe('audit export, verified offline', () => {
  it('verifies clean with the pinned key, results included, and answers for a receipt', () => {
    const { report, receipt } = verifyExport(text, { publicKey: key(), receipt: history.receipts[3]![0]! });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, resultsMatch: true, checkpoint: { signatureOk: true, merkleRootOk: true } });
    expect(receipt).toMatchObject({ included: true, status: 'counted' });
    expect(verifyExport(text, { receipt: history.receipts[1]![0]! }).receipt).toMatchObject({ included: true, status: 'changed' });
  });

  it('fails after any edit: 200 random single-character edits, deleted and swapped lines', () => {
    const lines = text.split('\n').slice(0, -1);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      let edited: string;
      const kind = round % 4;
      if (kind === 0) {
        const i = Math.floor(random() * lines.length);
        edited = [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n') + '\n';
      } else if (kind === 1) {
        const i = 1 + Math.floor(random() * (lines.length - 3));
        const copy = [...lines];
        [copy[i], copy[i + 1]] = [copy[i + 1]!, copy[i]!];
        edited = copy.join('\n') + '\n';
      } else {
        const at = Math.floor(random() * (text.length - 1));
        const c = String.fromCharCode(32 + Math.floor(random() * 95));
        if (c === text[at]) continue;
        edited = text.slice(0, at) + c + text.slice(at + 1);
      }
      expect(verifyExport(edited, { publicKey: key() }).report.ok, `edit ${round}`).toBe(false);
    }
  });

  it('refuses a file signed with another key than the pinned one', () => {
    const other = 'A'.repeat(43);
    expect(verifyExport(text, { publicKey: other }).report.problems.map((p) => p.code)).toContain('export.unknown-key');
  });

  it('`pollster audit verify --file` exits 0 on the export and 1 on an edited copy', async () => {
    const good = join(dir, 'export.jsonl');
    const bad = join(dir, 'edited.jsonl');
    await writeFile(good, text);
    await writeFile(bad, text.replace('"BallotCast"', '"BallotCasT"'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const run = async (file: string) => {
        const program = new Command().exitOverride();
        registerAuditCommands(program);
        process.exitCode = undefined;
        await program.parseAsync(['node', 'pollster', 'audit', 'verify', '--file', file, '--public-key', key()]);
        const code = process.exitCode;
        process.exitCode = undefined;
        return code;
      };
      expect(await run(good)).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('VERIFIED');
      expect(await run(bad)).toBe(1);
      expect(log.mock.calls.flat().join('\n')).toContain('PROBLEM');
    } finally {
      log.mockRestore();
    }
  });
});
