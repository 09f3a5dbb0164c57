import { describe, expect, it } from 'vitest';
import type { AppendResult } from '../port.ts';
import { GroupCommitter, type GroupCommitOptions } from './group-commit.ts';
import type { Outcome, PendingAppend } from './pending-append.ts';

/** What the writer was handed, and when (ms after the test began). */
interface Written {
  streams: string[];
  atMs: number;
}

/**
 * A committer whose writer holds each batch until the test commits it: the batches it cut and
 * the moment it cut them are the behaviour under test, not PostgreSQL's.
 */
function committer(options: Partial<GroupCommitOptions>) {
  const began = performance.now();
  const written: Written[] = [];
  const held: Array<() => void> = [];
  const group = new GroupCommitter(
    (batch) =>
      new Promise<Outcome[]>((resolve) => {
        written.push({ streams: batch.map((a) => a.stream), atMs: performance.now() - began });
        held.push(() => resolve(batch.map((_, i): Outcome => ({ ok: { position: BigInt(i), nextExpectedRevision: 0n } }))));
      }),
    { flushers: 1, maxBatchSize: 500, maxBatchEvents: 10_000, maxAttempts: 3, ...options },
    () => {},
  );
  const append = (stream: string) =>
    new Promise<AppendResult>((resolve, reject) => {
      const pending: PendingAppend = { stream, category: 'ballot', events: [], expected: 'any', attempts: 0, fence: undefined, fenceStream: false, resolve, reject };
      group.submit(pending);
    });
  const commitNext = () => held.shift()!();
  const nowMs = () => performance.now() - began;
  return { written, append, commitNext, nowMs, drain: () => group.drain() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** `ballot-a` written and committed with `ballot-b` queued behind it: the moment a gather begins. */
async function oneQueuedBehindACommit(log: ReturnType<typeof committer>) {
  const first = log.append('ballot-a');
  await turn();
  const queued = log.append('ballot-b');
  log.commitNext();
  const committedAt = log.nowMs();
  await first;
  return { queued, committedAt };
}

describe('group commit: gathering after a commit', () => {
  it('writes an append to an idle log at once, without waiting to gather', async () => {
    const log = committer({ gatherMs: 200 });
    const done = log.append('ballot-a');
    await turn();
    expect(log.written).toEqual([{ streams: ['ballot-a'], atMs: expect.any(Number) }]);
    expect(log.written[0]!.atMs).toBeLessThan(100);
    log.commitNext();
    await done;
  });

  it('lets the appends queued behind a commit wait gatherMs, and writes what arrived meanwhile in the same batch', async () => {
    const log = committer({ gatherMs: 60 });
    const { queued, committedAt } = await oneQueuedBehindACommit(log);
    await sleep(20);
    const late = log.append('ballot-c');
    await sleep(80);
    expect(log.written.map((w) => w.streams)).toEqual([['ballot-a'], ['ballot-b', 'ballot-c']]);
    // The timer counts on the loop's millisecond clock: allow it a little slack below 60.
    expect(log.written[1]!.atMs - committedAt).toBeGreaterThanOrEqual(55);
    log.commitNext();
    await Promise.all([queued, late]);
  });

  it('without gatherMs, writes the queued append at once and the late one in a batch of its own', async () => {
    const log = committer({ gatherMs: 0 });
    const { queued } = await oneQueuedBehindACommit(log);
    await sleep(20);
    const late = log.append('ballot-c');
    await turn();
    log.commitNext();
    await queued;
    await turn();
    expect(log.written.map((w) => w.streams)).toEqual([['ballot-a'], ['ballot-b'], ['ballot-c']]);
    log.commitNext();
    await late;
  });

  it('ends the wait as soon as gatherBelow appends are queued', async () => {
    const log = committer({ gatherMs: 200, gatherBelow: 3 });
    const { queued: b, committedAt } = await oneQueuedBehindACommit(log);
    const queued = [b];
    await sleep(10);
    expect(log.written).toHaveLength(1);
    queued.push(log.append('ballot-c'), log.append('ballot-d'));
    await turn();
    await turn();
    expect(log.written.map((w) => w.streams)).toEqual([['ballot-a'], ['ballot-b', 'ballot-c', 'ballot-d']]);
    expect(log.written[1]!.atMs - committedAt).toBeLessThan(100);
    log.commitNext();
    await Promise.all(queued);
  });

  it('writes the next batch at once when gatherBelow appends are queued already', async () => {
    const log = committer({ gatherMs: 200, gatherBelow: 2 });
    const first = log.append('ballot-a');
    await turn();
    const queued = [log.append('ballot-b'), log.append('ballot-c')];
    const committedAt = log.nowMs();
    log.commitNext();
    await first;
    await turn();
    await turn();
    expect(log.written.map((w) => w.streams)).toEqual([['ballot-a'], ['ballot-b', 'ballot-c']]);
    expect(log.written[1]!.atMs - committedAt).toBeLessThan(100);
    log.commitNext();
    await Promise.all(queued);
    await log.drain();
  });
});
