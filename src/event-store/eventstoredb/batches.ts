/**
 * Turns an object-mode Readable (the client's subscription) into batches: whatever is already
 * buffered, up to `size`, is handed over at once, so a slow consumer gets bigger batches
 * instead of one await per event, and the Readable's high-water mark gives backpressure.
 *
 * It also carries progress marks (server checkpoints, "caught up") in order with the events:
 * a mark counts the events buffered ahead of it and is released only once they are taken, so
 * "read through p" is never reported while events before p still sit in the buffer.
 */

/** The part of an object-mode `Readable` we use; the client's subscription type is not a `Readable`. */
export interface BatchSource {
  read(): unknown;
  readonly readableLength: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface Batch<T> {
  items: T[];
  through: bigint | undefined;
}

export class BatchReader<T> {
  readonly #source: BatchSource;
  readonly #marks: Array<{ after: number; position: bigint }> = [];
  #taken = 0;
  #wake: (() => void) | undefined;

  constructor(source: BatchSource) {
    this.#source = source;
  }

  /** Records that the log has been read through `position`, behind everything buffered now. */
  mark(position: bigint): void {
    this.#marks.push({ after: this.#taken + this.#source.readableLength, position });
    this.#wake?.();
  }

  async *batches(size: number, signal: AbortSignal | undefined): AsyncGenerator<Batch<T>> {
    let failure: unknown;
    let ended = false;
    const notify = () => this.#wake?.();
    const listeners: Record<string, (...args: unknown[]) => void> = {
      readable: notify,
      error: (err) => ((failure ??= err), notify()),
      end: () => ((ended = true), notify()),
      close: () => ((ended = true), notify()),
    };
    for (const [event, listener] of Object.entries(listeners)) this.#source.on(event, listener);
    signal?.addEventListener('abort', notify);
    try {
      while (!signal?.aborted) {
        const items: T[] = [];
        let item: unknown;
        // Count each item as it is taken: read() can run the source's transform synchronously,
        // which may raise a mark that must see the count so far.
        while (items.length < size && (item = this.#source.read()) !== null) {
          items.push(item as T);
          this.#taken++;
        }
        const through = this.#release();
        if (items.length > 0 || through !== undefined) {
          yield { items, through };
          continue;
        }
        if (failure !== undefined) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      for (const [event, listener] of Object.entries(listeners)) this.#source.off(event, listener);
      signal?.removeEventListener('abort', notify);
    }
  }

  #release(): bigint | undefined {
    let through: bigint | undefined;
    while (this.#marks.length > 0 && this.#marks[0]!.after <= this.#taken) {
      const { position } = this.#marks.shift()!;
      if (through === undefined || position > through) through = position;
    }
    return through;
  }
}
