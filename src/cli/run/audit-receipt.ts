import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointHash } from '../../audit/checkpoint.ts';
import type { FeedItem } from '../../audit/checkpoint-feed.ts';
import { verifyInclusion, type InclusionProof } from '../../audit/inclusion-proof.ts';
import { fingerprintFrom } from '../../audit/signing.ts';
import type { WitnessState } from '../../audit/witness.ts';

export interface ReceiptOptions {
  checkpoint: string;
  from?: string;
  proof?: string;
  key?: string;
  state?: string;
}

/** Exit code 0: the receipt is proven under that checkpoint; 1: it is not (or the proof could not be had). */
export async function receiptProof(receipt: string, options: ReceiptOptions): Promise<number> {
  let proof: InclusionProof;
  try {
    proof = options.proof
      ? (JSON.parse(await readFile(options.proof, 'utf8')) as InclusionProof)
      : await fetchProof(options.from!, receipt, options.checkpoint);
  } catch (error) {
    console.error(`pollster: ${(error as Error).message}`);
    return 1;
  }
  const trusted = new Set<string>();
  if (options.key) trusted.add(fingerprintFrom(options.key));
  const problems: string[] = [];
  if (options.state) {
    const state = JSON.parse(await readFile(join(options.state, 'state.json'), 'utf8')) as WitnessState;
    for (const id of Object.keys(state.trusted)) trusted.add(id);
    const kept = (await readFile(join(options.state, 'checkpoints.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as FeedItem);
    if (!kept.some((i) => i.kind === 'checkpoint' && checkpointHash(i.checkpoint) === options.checkpoint.toLowerCase())) {
      problems.push(`the witness in ${options.state} never kept checkpoint ${options.checkpoint}`);
    }
  }
  problems.push(...verifyInclusion(proof, { receipt, checkpoint: options.checkpoint, ...(trusted.size > 0 ? { trustedKeyIds: trusted } : {}) }));
  if (problems.length > 0) {
    console.log(`receipt ${receipt}: NOT PROVEN under checkpoint ${options.checkpoint}`);
    for (const p of problems) console.log(`  PROBLEM ${p}`);
    return 1;
  }
  const c = proof.checkpoint;
  console.log(`receipt ${receipt}: INCLUDED under checkpoint ${checkpointHash(c)} (poll ${c.pollId}, checkpoint ${c.sequence ?? '?'}, through position ${c.through}, signed ${c.signedAt} by key ${c.keyId})`);
  console.log(`  ballot stream ${proof.event.stream}: revision ${proof.event.revision} → signed head ${proof.leaf.revision} (${proof.chain.length} later events), leaf ${proof.leaf.index} of ${proof.treeSize}, ${proof.path.length} path hashes to the root`);
  if (trusted.size === 0) console.log('  note: no --key or --state given: the checkpoint was checked against the key it names');
  return 0;
}

async function fetchProof(from: string, receipt: string, checkpoint: string): Promise<InclusionProof> {
  const url = new URL(`${new URL(from).origin}/api/receipts/${encodeURIComponent(receipt)}/proof`);
  url.searchParams.set('checkpoint', checkpoint);
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as InclusionProof & { detail?: string };
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${body.detail ?? ''}`);
  return body;
}
