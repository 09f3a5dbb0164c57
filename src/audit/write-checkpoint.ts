import { v5 as uuidv5 } from 'uuid';
import type { AppendResult, EventStore } from '../event-store/port.ts';
import { withSchemaVersion } from '../event-store/schema-versions.ts';
import { auditStream, ballotStream, pollStream } from '../domain/shared/streams.ts';
import { buildCheckpoint, CHECKPOINT_EVENT, type Checkpoint, type CheckpointReason } from './checkpoint.ts';
import type { StreamHead } from './merkle.ts';
import type { SigningKey } from './signing.ts';

// Checkpoint event ids derive from (poll, through), so a round repeated after a crash re-appends
// the same id and the store answers with the earlier checkpoint instead of writing a second one.
const CHECKPOINT_NAMESPACE = '4b7e2d1a-8c3f-5e6d-9a0b-1c2d3e4f5a6b';

interface Known {
  through: bigint;
  events: number;
  heads: Map<string, StreamHead>;
}

export interface CheckpointWriterOptions {
  store: EventStore;
  key: SigningKey;
  now: () => Date;
  /** Heads kept in memory between checkpoints, over all polls (default 500 000 streams). */
  maxCachedStreams?: number;
}

/**
 * Signs checkpoints. The heads of a poll's streams are kept between its checkpoints, so the next
 * one reads only the events after the previous `through` (a million-ballot poll is not re-read
 * every minute); past `maxCachedStreams` the least recently signed polls are forgotten and read
 * in full next time. The Merkle root is still computed over every head (O(streams) hashing).
 */
export class CheckpointWriter {
  readonly #options: CheckpointWriterOptions;
  readonly #known = new Map<string, Known>();

  constructor(options: CheckpointWriterOptions) {
    this.#options = options;
  }

  async write(pollId: string, through: bigint, reason: CheckpointReason): Promise<{ checkpoint: Checkpoint; appended: AppendResult }> {
    const known = await this.#headsAt(pollId, through);
    const checkpoint = buildCheckpoint(
      { pollId, through: known.through, heads: [...known.heads.values()], events: known.events, reason, signedAt: this.#options.now() },
      this.#options.key,
    );
    const appended = await this.#options.store.append(
      auditStream(pollId),
      [{ id: uuidv5(`${pollId}:${known.through}`, CHECKPOINT_NAMESPACE), type: CHECKPOINT_EVENT, data: checkpoint, metadata: withSchemaVersion(CHECKPOINT_EVENT, { actor: 'system' }) }],
      'any',
    );
    // Most recently signed last: the eviction below drops the polls signed longest ago.
    this.#known.delete(pollId);
    if (reason !== 'close') this.#known.set(pollId, known);
    this.#evict();
    return { checkpoint, appended };
  }

  async #headsAt(pollId: string, through: bigint): Promise<Known> {
    const cached = this.#known.get(pollId);
    const known: Known = cached && cached.through <= through ? cached : { through: 0n, events: 0, heads: new Map() };
    const own = pollStream(pollId);
    const ballots = ballotStream(pollId, '');
    let from = known.through;
    for (;;) {
      const page = await this.#options.store.readAll({ from, limit: 1000, streamPrefixes: [own, ballots] });
      for (const e of page.events) {
        if (e.position > through) return { ...known, through };
        if (e.stream !== own && !e.stream.startsWith(ballots)) continue;
        known.events++;
        known.heads.set(e.stream, { stream: e.stream, revision: e.revision, hash: e.hash ?? '' });
      }
      if (page.events.length < 1000) return { ...known, through };
      from = page.next;
    }
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
