import { contentDigest, GENESIS, link } from '../integrity/chain.ts';
import type { EventMetadata, EventToAppend, ExpectedRevision } from '../port.ts';

/**
 * The integrity chain on KurrentDB (src/audit/README.md). UNTESTED: no KurrentDB server was
 * available when this was written; the contract suite and the audit tests ran on postgres only.
 *
 * KurrentDB stores no column of ours, so each event carries its chain hash in its metadata under
 * INTEGRITY_KEY; readers strip it (the digest covers the metadata the writer gave, without it).
 * The previous hash must be known before writing, so an append first reads the stream's head and
 * then appends with that exact revision: an 'any' append that loses a race is retried by the
 * adapter, which turns a store-side "any" into read-then-write-exact, as the chain requires.
 */
export const INTEGRITY_KEY = '$pollsterIntegrity';

export interface Head {
  revision: bigint;
  hash: string | undefined;
}

/** What the chain needs to know of the stream before appending, or why the append must fail. */
export function startOf(expected: ExpectedRevision, head: Head | undefined): { revision: bigint; prev: Buffer | undefined } | 'conflict' {
  if (expected === 'no_stream') return head === undefined ? { revision: 0n, prev: GENESIS } : 'conflict';
  if (expected === 'stream_exists' && head === undefined) return 'conflict';
  if (typeof expected === 'bigint' && head?.revision !== expected) return 'conflict';
  if (head === undefined) return { revision: 0n, prev: GENESIS };
  return { revision: head.revision + 1n, prev: head.hash === undefined ? undefined : Buffer.from(head.hash, 'hex') };
}

/** The events with their hashes in metadata; `prev` undefined (a head without hash) leaves them unhashed. */
export function withHashes(
  stream: string,
  events: readonly EventToAppend[],
  start: { revision: bigint; prev: Buffer | undefined },
): { events: EventToAppend[]; last: string | undefined } {
  let prev = start.prev;
  const out = events.map((event, i) => {
    if (prev === undefined) return event;
    // Digest over the JSON as KurrentDB will hand it back (parsed), exactly as the postgres adapter does.
    const data = JSON.parse(JSON.stringify(event.data ?? null)) as unknown;
    const metadata = JSON.parse(JSON.stringify(event.metadata ?? {})) as unknown;
    const digest = contentDigest({ id: event.id.toLowerCase(), stream, type: event.type, data, metadata });
    prev = link(prev, start.revision + BigInt(i), digest);
    return { ...event, metadata: { ...event.metadata, [INTEGRITY_KEY]: { hash: prev.toString('hex') } } };
  });
  return { events: out, last: prev?.toString('hex') };
}

export function splitIntegrity(metadata: EventMetadata): { metadata: EventMetadata; hash: string | undefined } {
  const { [INTEGRITY_KEY]: integrity, ...rest } = metadata;
  const hash = (integrity as { hash?: unknown } | undefined)?.hash;
  return { metadata: rest, hash: typeof hash === 'string' ? hash : undefined };
}
