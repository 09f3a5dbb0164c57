import { setImmediate as nextTurn } from 'node:timers/promises';
import { leafHash, merkleRoot, type StreamHead } from './merkle.ts';
import { HASH_BYTES } from './packed-tree.ts';
import { treeHasher } from './tree-hasher.ts';

interface Leaf {
  stream: string;
  /** The name's UTF-8 bytes, kept only for names that are not ASCII (ASCII strings compare as their bytes do). */
  name: Buffer | undefined;
  /** The leaf hash's 32 bytes as a latin1 string: 56 bytes a leaf, where a Buffer of its own took 240. */
  hash: string;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** merkle.ts's order: UTF-8 byte order of the names. */
function byName(a: Leaf, b: Leaf): number {
  if (a.name === undefined && b.name === undefined) return a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0;
  return Buffer.compare(a.name ?? Buffer.from(a.stream, 'utf8'), b.name ?? Buffer.from(b.stream, 'utf8'));
}

/** Comparisons or copies made between two looks at the event loop (a few milliseconds). */
const STEPS_PER_SLICE = 20_000;

/** `leaves` in name order, sorted in runs of STEPS_PER_SLICE merged pairwise, a slice at a time. */
async function sortInSlices(leaves: Leaf[]): Promise<Leaf[]> {
  if (leaves.length <= STEPS_PER_SLICE) return leaves.sort(byName);
  let runs: Leaf[][] = [];
  for (let i = 0; i < leaves.length; i += STEPS_PER_SLICE) {
    runs.push(leaves.slice(i, i + STEPS_PER_SLICE).sort(byName));
    await nextTurn();
  }
  while (runs.length > 1) {
    const next: Leaf[][] = [];
    for (let i = 0; i < runs.length; i += 2) next.push(i + 1 < runs.length ? (await mergeInSlices(runs[i]!, runs[i + 1]!)).leaves : runs[i]!);
    runs = next;
  }
  return runs[0]!;
}

/**
 * `added` (sorted) merged into `sorted`, a slice at a time. A few new leaves among many find
 * their place by binary search and the runs between are copied without comparing (names share
 * their long poll prefix, so comparisons are the cost: a linear merge of a thousand into a
 * million took a quarter of a second); many walk along. Also returns the hashes, in order.
 */
async function mergeInSlices(sorted: readonly Leaf[], added: readonly Leaf[]): Promise<{ leaves: Leaf[]; hashes: string[] }> {
  const leaves = new Array<Leaf>(sorted.length + added.length);
  const hashes = new Array<string>(leaves.length);
  const search = added.length * Math.log2(sorted.length + 1) < sorted.length;
  let k = 0;
  let steps = 0;
  const take = (leaf: Leaf): void => {
    leaves[k] = leaf;
    hashes[k++] = leaf.hash;
  };
  let from = 0;
  for (const leaf of added) {
    let at = from;
    if (search) {
      let hi = sorted.length;
      while (at < hi) {
        const mid = (at + hi) >>> 1;
        if (byName(sorted[mid]!, leaf) < 0) at = mid + 1;
        else hi = mid;
      }
    } else {
      while (at < sorted.length && byName(sorted[at]!, leaf) < 0) at++;
    }
    steps += at - from + 1;
    for (let i = from; i < at; i++) take(sorted[i]!);
    take(leaf);
    from = at;
    if (steps >= STEPS_PER_SLICE) {
      steps = 0;
      await nextTurn();
    }
  }
  for (let i = from; i < sorted.length; i++) take(sorted[i]!);
  return { leaves, hashes };
}

/**
 * The hashes laid end to end for tree-hasher.ts, written in slices of the event loop (a million
 * leaves are 32 MB), into a buffer of their own: it is handed over to the thread, not copied.
 */
async function packInSlices(hashes: readonly string[]): Promise<Uint8Array<ArrayBuffer>> {
  const packed = Buffer.from(new ArrayBuffer(hashes.length * HASH_BYTES));
  for (let i = 0; i < hashes.length; i++) {
    packed.write(hashes[i]!, i * HASH_BYTES, HASH_BYTES, 'latin1');
    if ((i + 1) % STEPS_PER_SLICE === 0) await nextTurn();
  }
  return new Uint8Array(packed.buffer);
}

/**
 * The leaves of one poll's Merkle tree, kept from one checkpoint to the next. A head that
 * changes is hashed when it is set; a checkpoint then sorts only the streams that are new since
 * the last one, merges them in, and has the inner nodes hashed on a thread of its own
 * (tree-hasher.ts). Computing the root afresh each time (sort every name, hash every leaf and node,
 * in one go) blocked the loop for 50 ms at 12,000 ballots a poll and 9 s at a million, every 1,000
 * ballots. The inner nodes are still hashed every time: a new stream lands anywhere in name order
 * and shifts every subtree to its right. Sorting and merging new names go in slices of the event
 * loop: the first root of a large poll after a start sorts every name (a million in one go stalled
 * the loop 1.4 s).
 */
export class MerkleLeaves {
  #sorted: Leaf[] = [];
  /** Streams set since the last root, not yet in #sorted. */
  #added: Leaf[] = [];
  readonly #byStream = new Map<string, Leaf>();
  /** Heads set while a root is computed: they count for the next one. */
  #later: StreamHead[] | undefined;

  get size(): number {
    return this.#byStream.size;
  }

  set(head: StreamHead): void {
    if (this.#later) {
      this.#later.push(head);
      return;
    }
    const known = this.#byStream.get(head.stream);
    if (known !== undefined) {
      known.hash = leafHash(head).toString('latin1');
      return;
    }
    const leaf: Leaf = { stream: head.stream, name: NON_ASCII.test(head.stream) ? Buffer.from(head.stream, 'utf8') : undefined, hash: leafHash(head).toString('latin1') };
    this.#byStream.set(head.stream, leaf);
    this.#added.push(leaf);
  }

  /** The root over the heads set before it was asked for (one at a time). */
  async root(): Promise<string> {
    return (await this.#tree()).root;
  }

  /**
   * The audit path of `stream`'s leaf (inclusion-proof.ts), its index in name order and the
   * tree's size, or undefined when no head of that stream was set.
   */
  async auditPath(stream: string): Promise<{ index: number; size: number; root: string; path: string[] } | undefined> {
    if (!this.#byStream.has(stream)) return undefined;
    return this.#tree(stream);
  }

  async #tree(stream?: string): Promise<{ index: number; size: number; root: string; path: string[] }> {
    if (this.#later) throw new Error('MerkleLeaves: one root at a time');
    this.#later = [];
    try {
      const added = this.#added;
      this.#added = [];
      let merged: { leaves: Leaf[]; hashes: string[] };
      try {
        merged = await mergeInSlices(this.#sorted, await sortInSlices(added));
      } catch (error) {
        this.#added = added; // not merged: they wait for the next root
        throw error;
      }
      this.#sorted = merged.leaves;
      const index = stream === undefined ? -1 : this.#sorted.indexOf(this.#byStream.get(stream)!);
      const size = merged.hashes.length;
      if (size === 0) return { index, size, root: merkleRoot([]), path: [] };
      return { index, size, ...(await treeHasher.tree(await packInSlices(merged.hashes), index)) };
    } finally {
      const later = this.#later;
      this.#later = undefined;
      for (const head of later) this.set(head);
    }
  }
}
