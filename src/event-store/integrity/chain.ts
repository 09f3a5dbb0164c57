import { createHash, hash } from 'node:crypto';
import { canonicalJsonOf } from './canonical-json.ts';
import { pgJsonbText } from './pg-jsonb-text.ts';

/**
 * The per-stream integrity chain (README.md, "The chain"). Every stored event carries
 *   hash = SHA-256( prev ‖ int64be(revision) ‖ digest )
 * where prev is the hash of the stream's previous revision (GENESIS for revision 0) and digest
 * is SHA-256 of the event's content in canonical JSON: {data, id, metadata, stream, type}.
 * The chain is per stream, so appends to different streams never wait on each other; the signed
 * checkpoints (checkpoint.ts) tie the streams of a poll together.
 */
export const GENESIS = Buffer.alloc(32);

/** What the chain covers of an event; revision and prev enter in `link`. */
export interface ChainedContent {
  id: string;
  stream: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** 1 = canonical JSON (every event appended since the chain exists); 0 = backfilled by migration 010. */
export type DigestFormat = 0 | 1;

const sha256 = (...parts: (Buffer | string)[]): Buffer => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};

export function contentDigest(event: ChainedContent, format: DigestFormat = 1): Buffer {
  if (format === 0) return sha256(pgJsonbText([event.type, event.data, event.metadata, event.stream, event.id]));
  // One-shot hash: a quarter of createHash's cost, and this runs for every appended event.
  const json = canonicalJsonOf({ data: event.data, id: event.id, metadata: event.metadata, stream: event.stream, type: event.type });
  return hash('sha256', json, 'buffer');
}

export function int64be(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(value);
  return b;
}

export function link(prev: Buffer, revision: bigint, digest: Buffer): Buffer {
  return sha256(prev, int64be(revision), digest);
}

/**
 * The same digest from parts already in canonical JSON (the append path serialises data and
 * metadata canonically once, for storage and for the digest alike): the wrapper object's keys
 * are fixed and already in order.
 */
export function digestOfCanonical(parts: { id: string; stream: string; type: string; data: string; metadata: string }): Buffer {
  const json = `{"data":${parts.data},"id":${JSON.stringify(parts.id)},"metadata":${parts.metadata},"stream":${JSON.stringify(parts.stream)},"type":${JSON.stringify(parts.type)}}`;
  return hash('sha256', json, 'buffer');
}

/** A stored event as the verifier sees it: content, place and the hash the store holds. */
export interface StoredChainEvent extends ChainedContent {
  revision: bigint;
  position: bigint;
  /** Hex; undefined when the store holds none (a row written around the append path). */
  hash?: string | undefined;
  digestFormat?: DigestFormat | undefined;
}

export interface ChainProblem {
  code: 'chain.hash-mismatch' | 'chain.hash-missing' | 'chain.revision-gap' | 'chain.revision-repeated' | 'chain.order';
  stream: string;
  revision: bigint;
  position: bigint;
  message: string;
}

/**
 * Checks one stream's events (any order in, checked in revision order). After a mismatch the
 * stored hash carries on as `prev`, so one altered event is reported once, not with all its
 * successors; a deletion shows as a gap, a reorder as mismatches and positions out of order.
 */
export function checkStream(events: readonly StoredChainEvent[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const sorted = [...events].sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
  let prev: Buffer | undefined = GENESIS;
  let expected = 0n;
  let lastPosition = -1n;
  for (const event of sorted) {
    const at = { stream: event.stream, revision: event.revision, position: event.position };
    if (event.revision < expected) {
      problems.push({ ...at, code: 'chain.revision-repeated', message: `revision ${event.revision} appears more than once` });
      continue;
    }
    if (event.revision > expected) {
      problems.push({ ...at, code: 'chain.revision-gap', message: `revisions ${expected}..${event.revision - 1n} are missing` });
      prev = undefined; // the missing event's hash is unknown: the next link cannot be checked
    }
    if (event.position <= lastPosition) {
      problems.push({ ...at, code: 'chain.order', message: `position ${event.position} is not after the previous revision's ${lastPosition}` });
    }
    if (event.hash === undefined) {
      problems.push({ ...at, code: 'chain.hash-missing', message: 'the event carries no integrity hash' });
    } else if (prev !== undefined) {
      let recomputed: string;
      try {
        recomputed = link(prev, event.revision, contentDigest(event, event.digestFormat ?? 1)).toString('hex');
      } catch {
        recomputed = 'unserialisable content'; // missing data or metadata (an edited export): never equal
      }
      if (recomputed !== event.hash) {
        problems.push({ ...at, code: 'chain.hash-mismatch', message: `stored hash ${event.hash.slice(0, 16)}… does not match the content (${recomputed.slice(0, 16)}…)` });
      }
    }
    prev = event.hash === undefined ? undefined : Buffer.from(event.hash, 'hex');
    expected = event.revision + 1n;
    lastPosition = event.position;
  }
  return problems;
}
