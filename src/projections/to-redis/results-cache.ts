import type { PollResults } from '../../domain/results/results.ts';
import type { ProjectionLogger } from '../runner/runner.ts';
import type { RedisResultsStore } from './results-store.ts';

/**
 * The read side of the Redis results: getResults asks it first and falls back to the PostgreSQL
 * read model on null. The cached body is the read model's own getResults as of some committed
 * batch (written after COMMIT), so it is never ahead of PostgreSQL and at most one fan-out behind
 * it; in a process that runs the projections, read-your-writes (`readModelsAt`) waits for the
 * fan-out too. No per-request position check: keep it simple until a caller needs one.
 */
export interface ResultsCache {
  /** The poll's current results, or null (not cached, or the cache is unreachable). */
  get(pollId: string): Promise<PollResults | null>;
}

export class RedisResultsCache implements ResultsCache {
  readonly #store: RedisResultsStore;
  readonly #logger: ProjectionLogger;

  constructor(store: RedisResultsStore, logger: ProjectionLogger) {
    this.#store = store;
    this.#logger = logger;
  }

  async get(pollId: string): Promise<PollResults | null> {
    try {
      return await this.#store.results(pollId);
    } catch (error) {
      // Redis is a cache here: an outage costs latency (PostgreSQL answers), never a 5xx.
      this.#logger.warn({ err: error, pollId }, 'results cache unavailable; reading PostgreSQL');
      return null;
    }
  }
}
