import { parentPort } from 'node:worker_threads';
import { packedTree } from './packed-tree.ts';

/** The worker thread of tree-hasher.ts: one tree at a time, in the order asked. */
export interface TreeRequest {
  id: number;
  leaves: Uint8Array;
  index: number;
}
export type TreeAnswer = { id: number; root: string; path: string[] } | { id: number; error: string };

parentPort?.on('message', ({ id, leaves, index }: TreeRequest) => {
  let answer: TreeAnswer;
  try {
    answer = { id, ...packedTree(leaves, index) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
