import { parseReceipt, receiptMatches } from '../domain/ballot/receipt.ts';
import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { auditStream, pollStream } from '../domain/shared/streams.ts';
import { checkStream } from '../event-store/integrity/chain.ts';
import { asStored } from '../event-store/schema-versions.ts';
import { asCheckpoint } from './checkpoint.ts';
import { receiptBallot, type ReceiptBallot } from './receipt-status.ts';

export type ReceiptCheck =
  | { included: false; receipt: string }
  | ({
      included: true;
      receipt: string;
      position: bigint;
      pollId: string;
      /** The chain of the ballot stream recomputes up to the receipt's event. */
      intact: boolean;
      /** The latest signed checkpoint, if it covers the receipt's position; null: not yet signed. */
      checkpoint: { revision: bigint; position: bigint; through: bigint; signedAt: string; keyId: string; merkleRoot: string } | null;
    } & ReceiptBallot);

const BALLOT = /^ballot-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/;

/** How long to wait for the log to become readable through a position an append just returned (see get-results.ts). */
const GRACE_MS = 3_000;

/**
 * checkReceipt: the event at the receipt's position, if its stored hash is the one the receipt
 * names; then what became of its ballot, whether its stream's chain holds, and the signed
 * checkpoint it is under. Throws a ValidationError (422) for a malformed receipt.
 */
export async function checkReceipt(store: EventStore, receipt: string): Promise<ReceiptCheck> {
  const parsed = parseReceipt(receipt);
  const event = await eventAt(store, parsed.position);
  const pollId = event && BALLOT.exec(event.stream)?.[1];
  if (event === undefined || pollId === undefined || !receiptMatches(parsed, event.hash)) return { included: false, receipt };
  const [stream, poll, checkpoints] = await Promise.all([
    store.readStream(event.stream),
    store.readStream(pollStream(pollId)),
    store.readStream(auditStream(pollId)),
  ]);
  const closedAt = poll.find((e) => e.type === 'PollClosed')?.position;
  const ballot = receiptBallot(stream, event.revision, closedAt);
  if (ballot === undefined) return { included: false, receipt };
  const upTo = stream.filter((e) => e.revision <= event.revision);
  const latest = checkpoints.map((e) => ({ e, c: asCheckpoint(e.data) })).filter((x) => x.c !== undefined).at(-1);
  const covering = latest && BigInt(latest.c!.through) >= event.position ? latest : undefined;
  return {
    included: true,
    receipt,
    position: event.position,
    pollId,
    intact: checkStream(upTo.map(asStored)).length === 0, // over the stored form, never the upcast one
    checkpoint: covering
      ? {
          revision: covering.e.revision,
          position: covering.e.position,
          through: BigInt(covering.c!.through),
          signedAt: covering.c!.signedAt,
          keyId: covering.c!.keyId,
          merkleRoot: covering.c!.merkleRoot,
        }
      : null,
    ...ballot,
  };
}

async function eventAt(store: EventStore, position: bigint): Promise<RecordedEvent | undefined> {
  if (position <= 0n) return undefined;
  const deadline = Date.now() + GRACE_MS;
  while ((await store.headPosition()) < position && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const page = await store.readAll({ from: position - 1n, limit: 1 });
  const event = page.events[0];
  return event?.position === position ? event : undefined;
}
