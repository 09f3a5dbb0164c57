import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifyBundle } from '../../src/worker/jobs/archive/bundle.ts';
import { castBallot, changeBallot, closePoll, createPoll, openPoll } from '../projections/harness.ts';
import { eventually, openWorkerHarness, pause, type WorkerHarness } from './support.ts';

let h: WorkerHarness;
let dir: string;
beforeAll(async () => {
  h = await openWorkerHarness();
  dir = await mkdtemp(join(tmpdir(), 'pollster-archive-'));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

const archiveRow = z.object({ path: z.string(), events: z.number(), checksum: z.string() });

describe('archival job', () => {
  it('writes a bundle of a poll closed long ago, whose checksums verify', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const ballots = await Promise.all([1, 2, 3].map(() => castBallot(h.store, pollId)));
    await changeBallot(h.store, pollId, ballots[0]!.ballotId, ballots[0]!.voterKey);
    await closePoll(h.store, pollId, '2020-01-02T10:00:00.000Z');
    const late = await castBallot(h.store, pollId); // after the close: in the log, not counted
    const recent = await createPoll(h.store);
    await openPoll(h.store, recent.pollId);
    await closePoll(h.store, recent.pollId, new Date().toISOString());

    const w = await h.startWorker({ ARCHIVE_DIR: dir, ARCHIVE_AFTER_DAYS: '30' });
    const row = await eventually(
      () => h.sql.maybeOne(sql.type(archiveRow)`SELECT path, events, checksum FROM poll_archives WHERE poll_id = ${pollId}`),
      15_000,
      'the archive row',
    );
    await pause(500);
    await w.close();

    // 3 poll events + 4 casts + 1 change, in log order.
    expect(row).toMatchObject({ path: join(dir, pollId), events: 8 });
    const lines = (await readFile(join(row.path, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => l.type)).toEqual([
      'PollCreated', 'PollOpened', 'BallotCast', 'BallotCast', 'BallotCast', 'BallotChanged', 'PollClosed', 'BallotCast',
    ]);
    const positions = lines.map((l) => BigInt(l.position!));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(lines.at(-1)).toMatchObject({ type: 'BallotCast', stream: `ballot-${pollId}-${late.voterKey}` });

    const poll = JSON.parse(await readFile(join(row.path, 'poll.json'), 'utf8')) as Record<string, unknown>;
    expect(poll).toMatchObject({ format: 'pollster-archive/1', pollId, closedAt: '2020-01-02T10:00:00.000Z', countedBallots: 3 });
    const results = JSON.parse(await readFile(join(row.path, 'results.json'), 'utf8')) as Record<string, unknown>;
    expect(results).toMatchObject({ pollId, status: 'closed', totalBallots: 3 });
    expect(await verifyBundle(row.path)).toEqual([]);
    expect(await h.sql.maybeOne(sql.unsafe`SELECT 1 FROM poll_archives WHERE poll_id = ${recent.pollId}`)).toBeNull();

    await writeFile(join(row.path, 'events.jsonl'), 'tampered\n');
    expect(await verifyBundle(row.path)).toEqual(['events.jsonl']);
  });
});
