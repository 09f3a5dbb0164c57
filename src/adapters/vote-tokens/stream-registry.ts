import { pollStream } from '../../domain/shared/streams.ts';
import type { EventStore } from '../../event-store/port.ts';
import type { VoteTokenRegistry } from './port.ts';
import { TurnBatcher } from './turn-batcher.ts';

type Query = { pollId: string; tokenHash: string };
const keyOf = (q: Query): string => `${q.pollId} ${q.tokenHash}`;

/**
 * For event stores without an index of our own (EventStoreDB): reads the poll's stream and looks
 * for the hash in its VoteTokensIssued events. Nothing is kept after the answer, so memory does
 * not grow with tokens; each lookup costs a read of the poll stream (about 650 kB per 10,000
 * tokens issued), shared by every lookup of that poll in one event-loop turn. Positive answers
 * are cached in front of it (cached-registry.ts), so a voter's later requests skip the read.
 */
export class StreamVoteTokenRegistry implements VoteTokenRegistry {
  readonly #store: EventStore;
  readonly #batcher: TurnBatcher<Query>;

  constructor(store: EventStore) {
    this.#store = store;
    this.#batcher = new TurnBatcher((queries) => this.#lookUp(queries), keyOf);
  }

  isIssued(pollId: string, tokenHash: string): Promise<boolean> {
    return this.#batcher.ask({ pollId, tokenHash });
  }

  async #lookUp(queries: readonly Query[]): Promise<ReadonlySet<string>> {
    const byPoll = Map.groupBy(queries, (q) => q.pollId);
    const found = new Set<string>();
    await Promise.all(
      [...byPoll].map(async ([pollId, asked]) => {
        const wanted = new Set(asked.map((q) => q.tokenHash));
        for (const event of await this.#store.readStream(pollStream(pollId))) {
          if (event.type !== 'VoteTokensIssued') continue;
          const hashes = (event.data as { tokenHashes?: unknown }).tokenHashes;
          if (!Array.isArray(hashes)) continue;
          for (const hash of hashes) if (wanted.has(hash)) found.add(keyOf({ pollId, tokenHash: hash }));
        }
      }),
    );
    return found;
  }
}
