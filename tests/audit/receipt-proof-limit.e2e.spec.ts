import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCheckpoint, checkpointHash } from '../../src/audit/checkpoint.ts';
import { auditStream } from '../../src/domain/shared/streams.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { pollWithHistory, type PollHistory } from './support.ts';

/**
 * getReceiptProof is anyone's, and each proof reads the poll's log up to its checkpoint and hashes
 * the poll's whole Merkle tree: the attack is one address asking for proofs in bulk to make the
 * node do that work over and over. Past RATE_LIMIT_PROOFS_PER_MINUTE it is refused before any of it.
 */
const PROOFS_PER_MINUTE = 5;
let t: TestApp;
let history: PollHistory;
let checkpoint: string;

beforeAll(async () => {
  t = await createTestApp({ proofsPerMinute: PROOFS_PER_MINUTE });
  history = await pollWithHistory(t, { voters: 3 });
  const signed = (await t.services.store.readStream(auditStream(history.poll.pollId))).map((e) => asCheckpoint(e.stored?.data ?? e.data)!);
  checkpoint = checkpointHash(signed.at(-1)!);
}, 60_000);
afterAll(async () => t?.close());

describe('receipt proofs asked for in bulk', () => {
  it('are refused 429 past the limit per address, while a voter at another address still gets theirs', async () => {
    const proof = (receipt: string, remoteAddress: string) =>
      t.app.inject({ method: 'GET', url: `/api/receipts/${encodeURIComponent(receipt)}/proof?checkpoint=${checkpoint}`, remoteAddress });
    const receipt = history.receipts[1]![0]!;
    const statuses = [];
    for (let i = 0; i < PROOFS_PER_MINUTE; i++) statuses.push((await proof(receipt, '10.88.0.1')).statusCode);
    expect(statuses).toEqual(Array(PROOFS_PER_MINUTE).fill(200));

    const refused = await proof(receipt, '10.88.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ code: 'rate-limited' });

    const honest = await proof(history.receipts[2]![0]!, '10.88.0.2');
    expect(honest.statusCode).toBe(200);
    expect(honest.json()).toMatchObject({ format: 'pollster-inclusion/1', receipt: history.receipts[2]![0] });
  });
});
