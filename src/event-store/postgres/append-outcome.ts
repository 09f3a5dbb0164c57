import { DuplicateEventIdError, FencedOutError, WrongExpectedRevisionError } from '../errors.ts';
import type { ExpectedRevision } from '../port.ts';
import type { Outcome, PendingAppend } from './pending-append.ts';

/**
 * The per-append decisions of a batch, in plain JS, so one transaction can serve hundreds of
 * appends without savepoints (a subtransaction each; past 64 they overflow the subxid cache and
 * slow every snapshot in the cluster). The expected revision itself is checked by the INSERT
 * (append-batch.ts); these decide, from a lookup, why an append that did not go in lost.
 */

export interface StoredEvent {
  stream: string;
  revision: bigint;
  position: bigint;
  hash?: string;
}

/** What the database already holds for a batch: its event ids, and its streams' last revisions. */
export interface Lookup {
  byId: Map<string, StoredEvent>;
  lastRevision: Map<string, bigint>;
}

/**
 * The outcome decided by ids already stored, or undefined if none of them is. All ids stored in
 * this stream at consecutive revisions is an idempotent re-append: the earlier result, nothing
 * written. Anything else (some ids, or ids in another stream) is a DuplicateEventIdError.
 */
function priorOutcome(append: PendingAppend, byId: Map<string, StoredEvent>): Outcome | undefined {
  const found = append.events.map((e) => byId.get(e.id));
  if (found.every((f) => f === undefined)) return undefined;
  const first = found[0];
  const same =
    first !== undefined &&
    found.every((f, i) => f !== undefined && f.stream === append.stream && f.revision === first.revision + BigInt(i));
  const last = found.at(-1);
  if (same && last !== undefined) {
    return { ok: { nextExpectedRevision: last.revision, position: last.position, ...(last.hash ? { hash: last.hash } : {}) } };
  }
  const taken = append.events.filter((_, i) => found[i] !== undefined).map((e) => e.id);
  return { error: new DuplicateEventIdError(append.stream, taken) };
}

/** `current` is the stream's last revision, undefined when the stream does not exist. */
function expectedHolds(expected: ExpectedRevision, current: bigint | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}

/**
 * Why an append that the INSERT did not (fully) write lost, from a lookup made after it:
 * its ids already stored (idempotent re-append or DuplicateEventIdError), its fence moved
 * (FencedOutError: the lookup has no types, so a fence that ignores some is taken for moved by
 * any event after its revision; its caller decides again on the stream as it now is), the expected revision not holding (WrongExpectedRevisionError), or 'again': a race with a writer that was still in
 * progress when the INSERT took its snapshot (always the case for 'any'), so writing again on a
 * fresh snapshot is the right answer.
 */
export function decideLost(append: PendingAppend, lookup: Lookup): Outcome | 'again' {
  const prior = priorOutcome(append, lookup.byId);
  if (prior !== undefined) return prior;
  if (append.fence) {
    const at = lookup.lastRevision.get(append.fence.stream);
    if ((at ?? -1n) !== append.fence.revision) return { error: new FencedOutError(append.stream, append.fence, at ?? 'no_stream') };
  }
  const current = lookup.lastRevision.get(append.stream);
  if (expectedHolds(append.expected, current)) return 'again';
  return { error: new WrongExpectedRevisionError(append.stream, append.expected, current ?? 'no_stream') };
}
