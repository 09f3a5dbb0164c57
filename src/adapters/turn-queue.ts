/**
 * Calls made during one turn of the event loop, sent together (as group commit batches appends):
 * the queue is flushed in `setImmediate`, after every I/O callback of the turn has had its chance
 * to add to it, in chunks of at most `maxBatch` per `send`, in asking order. `send` answers each
 * item of its chunk, in order; if it fails, every item of the chunk fails with it. `groupOf` keeps
 * items of different groups out of one chunk (on Redis Cluster, a script's keys share one slot).
 * On a socket write that costs 85-140 µs, that is a round trip per turn instead of one per call.
 */
type Waiting<Item, Answer> = { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void };

export class TurnQueue<Item, Answer> {
  readonly #send: (items: readonly Item[]) => Promise<readonly Answer[]>;
  readonly #maxBatch: number;
  readonly #groupOf: ((item: Item) => string) | undefined;
  #pending: Array<Waiting<Item, Answer>> = [];
  #scheduled = false;

  constructor(send: (items: readonly Item[]) => Promise<readonly Answer[]>, options: { maxBatch: number; groupOf?: (item: Item) => string }) {
    this.#send = send;
    this.#maxBatch = options.maxBatch;
    this.#groupOf = options.groupOf;
  }

  push(item: Item): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    const groups = new Map<string, Array<Waiting<Item, Answer>>>();
    for (const p of pending) {
      const key = this.#groupOf?.(p.item) ?? '';
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      group.push(p);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += this.#maxBatch) void this.#sendChunk(group.slice(i, i + this.#maxBatch));
    }
  }

  async #sendChunk(chunk: Array<Waiting<Item, Answer>>): Promise<void> {
    let answers: readonly Answer[];
    try {
      answers = await this.#send(chunk.map((p) => p.item));
    } catch (error) {
      for (const p of chunk) p.reject(error);
      return;
    }
    chunk.forEach((p, i) => p.resolve(answers[i]!));
  }
}
