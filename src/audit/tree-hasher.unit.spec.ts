import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { packedTree } from './packed-tree.ts';
import { TreeHasher } from './tree-hasher.ts';

const run = promisify(execFile);
const leavesOf = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(n * 32));
const copy = (leaves: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(leaves);

describe('TreeHasher', () => {
  const hasher = new TreeHasher();
  afterAll(() => hasher.close());

  it("gives packed-tree.ts's root and path, and hashes a large tree without taking the event loop's time", async () => {
    const leaves = leavesOf(200_000);
    const expected = packedTree(leaves, 123_456);
    const sent = copy(leaves);
    const before = process.threadCpuUsage();
    const started = performance.now();
    const tree = await hasher.tree(sent, 123_456);
    const wall = performance.now() - started;
    const mainThreadMs = (process.threadCpuUsage(before).user + process.threadCpuUsage(before).system) / 1_000;
    expect(tree).toEqual(expected);
    // the leaves went to the thread, not a copy of them
    expect(sent.byteLength).toBe(0);
    // 200,000 leaves are ~200,000 hashes: the thread's work, the loop's only the messages
    expect(mainThreadMs).toBeLessThan(wall / 4);
  });

  it('answers many trees asked at once, each with its own', async () => {
    const asked = Array.from({ length: 20 }, (_, i) => leavesOf(i * 7));
    const trees = await Promise.all(asked.map((leaves, i) => hasher.tree(copy(leaves), i > 0 ? i - 1 : -1)));
    expect(trees).toEqual(asked.map((leaves, i) => packedTree(leaves, i > 0 ? i - 1 : -1)));
  });

  it('fails a tree it cannot hash and goes on hashing the next', async () => {
    await expect(hasher.tree(new Uint8Array(33))).rejects.toThrow('hashing a Merkle tree failed: packed leaves must be 32 bytes each');
    const leaves = leavesOf(5);
    expect(await hasher.tree(copy(leaves))).toEqual(packedTree(leaves));
  });

  it('fails the trees in hand when its thread is closed, and starts a new thread for the next', async () => {
    const failed = expect(hasher.tree(leavesOf(100_000))).rejects.toThrow('the Merkle tree thread was closed');
    await hasher.close();
    await failed;
    const leaves = leavesOf(9);
    expect(await hasher.tree(copy(leaves), 8)).toEqual(packedTree(leaves, 8));
  });

  it('keeps a process alive while it hashes, and not once it is done', async () => {
    const script = `
      import { treeHasher } from ${JSON.stringify(new URL('./tree-hasher.ts', import.meta.url).href)};
      const tree = await treeHasher.tree(new Uint8Array(64 * 1000));
      console.log(tree.root);
    `;
    const dir = await mkdtemp(join(tmpdir(), 'pollster-tree-'));
    await writeFile(join(dir, 'one-tree.mjs'), script);
    const started = performance.now();
    const { stdout } = await run(process.execPath, [join(dir, 'one-tree.mjs')], { timeout: 20_000 }).finally(() => rm(dir, { recursive: true }));
    expect(stdout.trim()).toBe(packedTree(new Uint8Array(64 * 1000)).root);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
