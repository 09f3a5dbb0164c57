import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MerkleLeaves } from '../src/audit/merkle-leaves.ts';
import { auditPath, leafHash, merkleRoot, sortedHeads, type StreamHead } from '../src/audit/merkle.ts';
import { numberFlag } from './support/measure.ts';

/**
 * What a poll's audit checkpoint costs the process that signs it, by the poll's size: the Merkle
 * root over every stream head computed in one go (merkle.ts, as checkpoints were signed before, and
 * as verifiers compute it), against the next checkpoint of a poll whose leaves are kept
 * (merkle-leaves.ts: `--new` streams added since the last one, merged in slices of the event loop,
 * the inner nodes hashed on a thread of their own). Prints the wall time of each, the event loop's
 * longest stall while it ran, and, for the kept leaves, the CPU time of the event loop's thread.
 */
export async function main(args: string[]): Promise<void> {
  const added = numberFlag(args, 'new', 1_000);
  const sizes = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1]!.split(',').map(Number) : [12_000, 100_000, 1_000_000];
  console.log(`a checkpoint ${added.toLocaleString('en')} ballots after the last, one leaf per ballot stream`);
  for (const size of sizes) {
    const pollId = randomUUID();
    const head = (): StreamHead => ({ stream: `ballot-${pollId}-t.${randomBytes(16).toString('hex')}`, revision: 0n, hash: randomBytes(32).toString('hex') });
    const heads = Array.from({ length: size }, head);
    const leaves = new MerkleLeaves();
    for (const h of heads) leaves.set(h);
    await leaves.root();
    for (let i = 0; i < added; i++) {
      const h = head();
      heads.push(h);
      leaves.set(h);
    }
    // The kept leaves first: the one-go root leaves the most garbage behind, for whatever runs next.
    const kept = await stalls(() => leaves.root());
    // Again, for the event loop's thread's own CPU time (the stall probe spins it while it waits).
    for (let i = 0; i < added; i++) {
      const h = head();
      heads.push(h);
      leaves.set(h);
    }
    const keptCpu = await threadCpu(() => leaves.root());
    const once = await stalls(async () => merkleRoot(heads));
    if (once.result !== keptCpu.result) throw new Error('the kept leaves give another root: merkle-leaves.ts is wrong');
    console.log(
      `${size.toLocaleString('en').padStart(9)} streams: in one go ${once.ms.toFixed(0)} ms (the loop stalled ${once.longest.toFixed(0)} ms); ` +
        `leaves kept ${kept.ms.toFixed(0)} ms (longest stall ${kept.longest.toFixed(1)} ms, the event loop's thread busy ${keptCpu.cpuMs.toFixed(0)} ms)`,
    );
    // A receipt proof (getReceiptProof) builds its tree from the heads each time.
    const wanted = heads[Math.floor(heads.length / 2)]!.stream;
    const proofOnce = await stalls(async () => {
      const sorted = sortedHeads(heads);
      return auditPath(sorted.map(leafHash), sorted.findIndex((h) => h.stream === wanted)).join();
    });
    const proofSliced = await stalls(async () => {
      const fresh = new MerkleLeaves();
      // as proveInclusion sets them: a page of 1,000 heads at a time, a read between
      for (let i = 0; i < heads.length; i++) {
        fresh.set(heads[i]!);
        if (i % 1_000 === 999) await nextTurn();
      }
      return (await fresh.auditPath(wanted))!.path.join();
    });
    if (proofOnce.result !== proofSliced.result) throw new Error('the sliced audit path differs: merkle-leaves.ts is wrong');
    console.log(
      `${''.padStart(9)}          a receipt proof's path: in one go ${proofOnce.ms.toFixed(0)} ms (stalled ${proofOnce.longest.toFixed(0)} ms); ` +
        `in slices ${proofSliced.ms.toFixed(0)} ms (longest stall ${proofSliced.longest.toFixed(1)} ms; its leaves hashed a page of 1,000 at a time, as they are read)`,
    );
  }
}

/** Runs `work` alone and returns the CPU time of this (the event loop's) thread meanwhile. */
async function threadCpu(work: () => Promise<string>): Promise<{ result: string; cpuMs: number }> {
  const before = process.threadCpuUsage();
  const result = await work();
  const used = process.threadCpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1_000 };
}

/** Runs `work` while a chain of setImmediate notes the longest time the event loop did not turn. */
async function stalls(work: () => Promise<string>): Promise<{ result: string; ms: number; longest: number }> {
  let longest = 0;
  let running = true;
  const started = performance.now();
  let last = started;
  const probe = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(probe);
  };
  setImmediate(probe);
  const result = await work();
  running = false;
  longest = Math.max(longest, performance.now() - last);
  return { result, ms: performance.now() - started, longest };
}
