import { ValidationError } from '../shared/errors.ts';

/**
 * base64url of int64be(log position) ‖ the first 24 bytes of the event's integrity hash. The
 * position finds the event with one primary-key probe (no index on hashes slows the appends); the
 * hash binds the receipt to that exact content. It reveals nothing about the choice: the hash is
 * SHA-256 over content that includes random ids.
 */
const RECEIPT_HASH_BYTES = 24;

export function receiptFor(position: bigint, hash: string): string {
  const bytes = Buffer.alloc(8 + RECEIPT_HASH_BYTES);
  bytes.writeBigInt64BE(position);
  Buffer.from(hash, 'hex').copy(bytes, 8, 0, RECEIPT_HASH_BYTES);
  return bytes.toString('base64url');
}

/**
 * The receipt of what a ballot command appended: its last event (BallotCast, or BallotFlagged when
 * the cast was flagged at once). Through the chain, that event's hash also commits to every earlier
 * revision of the ballot stream, so checkReceipt reports the ballot event at or before it.
 */
export function ballotReceipt(appended: { position: bigint; hash?: string | undefined }): string {
  if (appended.hash === undefined) throw new Error('the event store returned no integrity hash for the ballot');
  return receiptFor(appended.position, appended.hash);
}

export interface ParsedReceipt {
  position: bigint;
  hashPrefix: string;
}

export function parseReceipt(receipt: string): ParsedReceipt {
  const bytes = /^[\w-]{43}$/.test(receipt) ? Buffer.from(receipt, 'base64url') : Buffer.alloc(0);
  if (bytes.length !== 8 + RECEIPT_HASH_BYTES) {
    throw new ValidationError('receipt.malformed', 'a receipt is 43 base64url characters', { field: 'receipt' });
  }
  return { position: bytes.readBigInt64BE(0), hashPrefix: bytes.subarray(8).toString('hex') };
}

export const receiptMatches = (receipt: ParsedReceipt, hash: string | undefined): boolean =>
  hash !== undefined && hash.slice(0, RECEIPT_HASH_BYTES * 2) === receipt.hashPrefix;
