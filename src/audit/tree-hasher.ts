import { Worker } from 'node:worker_threads';
import type { TreeAnswer, TreeRequest } from './tree-thread.ts';

interface Waiting {
  resolve(tree: { root: string; path: string[] }): void;
  reject(error: Error): void;
}

/**
 * Hashes Merkle trees (packed-tree.ts) on a worker thread of this process. A checkpoint rehashes
 * every inner node of its poll's tree (a new stream lands anywhere in name order): on the event
 * loop, in slices, that was 40-120 ms of a second at 3,000 ballots/s over ten polls, and the
 * seconds it happened in were the ones whose ballots waited longest. The thread is started at the
 * first tree and keeps the process alive only while a tree is being hashed.
 */
export class TreeHasher {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #next = 0;

  /** `leaves` is transferred to the thread: the caller must not use it afterwards. */
  tree(leaves: Uint8Array<ArrayBuffer>, index = -1): Promise<{ root: string; path: string[] }> {
    const worker = this.#started();
    const id = this.#next++;
    const answer = new Promise<{ root: string; path: string[] }>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    if (this.#waiting.size === 1) worker.ref();
    const request: TreeRequest = { id, leaves, index };
    worker.postMessage(request, [leaves.buffer]);
    return answer;
  }

  /** Stops the thread; trees still being hashed fail, and the next tree starts a new thread. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#failAll(worker, new Error('the Merkle tree thread was closed'));
    await worker.terminate();
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(new URL('./tree-thread.ts', import.meta.url));
    worker.unref();
    worker.on('message', (answer: TreeAnswer) => {
      const waiting = this.#waiting.get(answer.id);
      if (waiting === undefined) return;
      this.#waiting.delete(answer.id);
      if (this.#waiting.size === 0) worker.unref();
      if ('error' in answer) waiting.reject(new Error(`hashing a Merkle tree failed: ${answer.error}`));
      else waiting.resolve({ root: answer.root, path: answer.path });
    });
    worker.on('error', (error) => this.#failAll(worker, error));
    worker.on('exit', (code) => this.#failAll(worker, new Error(`the Merkle tree thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  /** Every tree asked of `worker` fails; the next one starts a thread afresh. */
  #failAll(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}

/** The process's one tree thread. */
export const treeHasher = new TreeHasher();
