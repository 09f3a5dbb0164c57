/**
 * Gathers the lookups made during one turn of the event loop and answers them with one call of
 * `lookUp` (in chunks of at most `maxBatch`): under load, the ballots that arrive together cost
 * one query instead of one each. A key asked twice in a turn is looked up once. The batch runs
 * in `setImmediate`, after every I/O callback of the turn has had its chance to add to it.
 */
export class TurnBatcher<Q> {
  readonly #lookUp: (queries: readonly Q[]) => Promise<ReadonlySet<string>>;
  readonly #keyOf: (query: Q) => string;
  readonly #maxBatch: number;
  #pending = new Map<string, { query: Q; waiters: Array<{ resolve: (found: boolean) => void; reject: (error: unknown) => void }> }>();
  #scheduled = false;

  /** `lookUp` answers with the keys (`keyOf`) of the queries that were found. */
  constructor(lookUp: (queries: readonly Q[]) => Promise<ReadonlySet<string>>, keyOf: (query: Q) => string, options: { maxBatch?: number } = {}) {
    this.#lookUp = lookUp;
    this.#keyOf = keyOf;
    this.#maxBatch = options.maxBatch ?? 1_000;
  }

  ask(query: Q): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const key = this.#keyOf(query);
      const entry = this.#pending.get(key);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.#pending.set(key, { query, waiters: [{ resolve, reject }] });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const entries = [...this.#pending.values()];
    this.#pending = new Map();
    for (let i = 0; i < entries.length; i += this.#maxBatch) {
      const chunk = entries.slice(i, i + this.#maxBatch);
      this.#lookUp(chunk.map((e) => e.query)).then(
        (found) => {
          for (const e of chunk) {
            const hit = found.has(this.#keyOf(e.query));
            for (const w of e.waiters) w.resolve(hit);
          }
        },
        (error: unknown) => {
          for (const e of chunk) for (const w of e.waiters) w.reject(error);
        },
      );
    }
  }
}
