import { v5 as uuidv5 } from 'uuid';
import type { AppendResult, EventHead, EventStore } from '../event-store/port.ts';
import { withSchemaVersion } from '../event-store/schema-versions.ts';
import { auditStream, pollIdOfStream } from '../domain/shared/streams.ts';
import { asCheckpoint, buildCheckpoint, CHECKPOINT_EVENT, type Checkpoint, type CheckpointReason } from './checkpoint.ts';
import { MerkleLeaves } from './merkle-leaves.ts';
import { pollHeadPages } from './poll-log.ts';
import type { SigningKey } from './signing.ts';

// Checkpoint event ids derive from (poll, through), so a round repeated after a crash re-appends
// the same id and the store answers with the earlier checkpoint instead of writing a second one.
const CHECKPOINT_NAMESPACE = '4b7e2d1a-8c3f-5e6d-9a0b-1c2d3e4f5a6b';


interface Known {
  through: bigint;
  events: number;
  heads: MerkleLeaves;
}

export interface CheckpointWriterOptions {
  store: EventStore;
  key: SigningKey;
  now: () => Date;
  /** Heads kept in memory between checkpoints, over all polls (default 500 000 streams, about 265 bytes each with their leaves: merkle-leaves.ts). */
  maxCachedStreams?: number;
}

/**
 * Signs checkpoints. The heads of a poll's streams are kept between its checkpoints, so the next
 * one reads only the events after the previous `through` (a million-ballot poll is not re-read
 * every minute); past `maxCachedStreams` the least recently signed polls are forgotten and read
 * in full next time. The Merkle tree's leaves are kept too (merkle-leaves.ts): a checkpoint hashes
 * the heads that moved and the tree's inner nodes, in slices of the event loop.
 */
export class CheckpointWriter {
  readonly #options: CheckpointWriterOptions;
  readonly #known = new Map<string, Known>();
  /** The latest checkpoint of each poll signed or read here, and its revision in `audit-<pollId>`. */
  readonly #last = new Map<string, { checkpoint: Checkpoint; revision: bigint }>();

  constructor(options: CheckpointWriterOptions) {
    this.#options = options;
  }

  async write(pollId: string, through: bigint, reason: CheckpointReason): Promise<{ checkpoint: Checkpoint; appended: AppendResult }> {
    const last = await this.#latest(pollId);
    // Never behind the checkpoint it chains to (a manual checkpoint at the head position can be
    // below the job's cursor, which reads past the last event): the log was complete there already.
    const previousThrough = last ? BigInt(last.checkpoint.through) : 0n;
    const known = await this.#headsAt(pollId, through > previousThrough ? through : previousThrough);
    const tree = { streams: known.heads.size, merkleRoot: await known.heads.root() };
    const checkpoint = buildCheckpoint(
      { pollId, previous: last?.checkpoint, sequence: last ? Number(last.revision) + 1 : 0, through: known.through, tree, events: known.events, reason, signedAt: this.#options.now() },
      this.#options.key,
    );
    let appended: AppendResult;
    try {
      // Expecting the revision it chains to: two signers at once (the job, a manual checkpoint) cannot fork the chain.
      appended = await this.#options.store.append(
        auditStream(pollId),
        [{ id: uuidv5(`${pollId}:${known.through}:${checkpoint.sequence}`, CHECKPOINT_NAMESPACE), type: CHECKPOINT_EVENT, data: checkpoint, metadata: withSchemaVersion(CHECKPOINT_EVENT, { actor: 'system' }) }],
        last ? last.revision : 'no_stream',
      );
    } catch (error) {
      this.#last.delete(pollId);
      throw error;
    }
    this.#last.set(pollId, { checkpoint, revision: appended.nextExpectedRevision ?? (last ? last.revision + 1n : 0n) });
    // Most recently signed last: the eviction below drops the polls signed longest ago.
    this.#known.delete(pollId);
    if (reason !== 'close') this.#known.set(pollId, known);
    this.#evict();
    return { checkpoint, appended };
  }

  /** The poll's latest checkpoint: the one signed here last, caught up with any signed elsewhere since. */
  async #latest(pollId: string): Promise<{ checkpoint: Checkpoint; revision: bigint } | undefined> {
    let last = this.#last.get(pollId);
    const newer = await this.#options.store.readStream(auditStream(pollId), last ? { fromRevision: last.revision + 1n } : {});
    for (const e of newer) {
      const checkpoint = asCheckpoint(e.stored?.data ?? e.data);
      if (checkpoint) last = { checkpoint, revision: e.revision };
      else last = last ? { ...last, revision: e.revision } : undefined;
    }
    if (last) this.#last.set(pollId, last);
    return last;
  }

  /**
   * Carries the heads kept between checkpoints forward with a page of `$all` that the caller read
   * anyway (the checkpoint job tails the poll and ballot categories): a poll whose heads are
   * complete through `from` is then complete through `next`, and its next checkpoint reads
   * nothing again. Heads not exactly at `from` are left alone; #headsAt reads what they miss.
   */
  observe(events: readonly EventHead[], from: bigint, next: bigint): void {
    const advanced = new Set<string>();
    for (const [pollId, known] of this.#known) if (known.through === from) advanced.add(pollId);
    if (advanced.size === 0) return;
    for (const e of events) {
      const pollId = pollIdOfStream(e.stream);
      if (pollId === undefined || !advanced.has(pollId)) continue;
      const known = this.#known.get(pollId)!;
      known.events++;
      known.heads.set({ stream: e.stream, revision: e.revision, hash: e.hash ?? '' });
    }
    for (const pollId of advanced) this.#known.get(pollId)!.through = next;
  }

  async #headsAt(pollId: string, through: bigint): Promise<Known> {
    const cached = this.#known.get(pollId);
    const known: Known = cached && cached.through <= through ? cached : { through: 0n, events: 0, heads: new MerkleLeaves() };
    for await (const page of pollHeadPages(this.#options.store, pollId, known.through, through)) {
      for (const e of page) {
        known.events++;
        known.heads.set({ stream: e.stream, revision: e.revision, hash: e.hash ?? '' });
      }
    }
    return { ...known, through };
  }

  #evict(): void {
    const max = this.#options.maxCachedStreams ?? 500_000;
    let total = [...this.#known.values()].reduce((n, k) => n + k.heads.size, 0);
    for (const [pollId, known] of this.#known) {
      if (total <= max) return;
      total -= known.heads.size;
      this.#known.delete(pollId);
    }
  }
}
