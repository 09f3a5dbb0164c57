import { UnavailableError } from '../../domain/shared/errors.ts';

/**
 * Read-your-writes: a command returns the `$all` position of its events, and the API (or a test)
 * waits here until a projection has applied the log through that position before it reads.
 *
 * "Through" counts events of other categories too: the subscription reports how far it has read
 * the whole log, so waiting for the position of, say, a user event resolves as soon as this
 * projection has seen past it, even though it never applies it.
 */
export interface WaitOptions {
  /** Gives up with `UnavailableError('projection.timeout')` (a 503) after this long (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Waiter {
  position: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class PositionWatch {
  #through = -1n;
  readonly #waiters = new Set<Waiter>();
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  /** How far the log has been applied (or seen), -1n before the runner knows its checkpoint. */
  get through(): bigint {
    return this.#through;
  }

  /** Never moves back: a late report of an older position is ignored. */
  advance(position: bigint): void {
    if (position <= this.#through) return;
    this.#through = position;
    for (const waiter of [...this.#waiters]) if (waiter.position <= position) waiter.resolve();
  }

  wait(position: bigint, options: WaitOptions = {}): Promise<void> {
    if (position <= this.#through) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      const waiter: Waiter = { position, resolve: () => finish(), reject: finish };
      const timer = setTimeout(
        () =>
          finish(
            new UnavailableError(
              'projection.timeout',
              `projection ${this.#name} did not reach position ${position} within ${timeoutMs} ms (at ${this.#through})`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.add(waiter);
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Fails every pending wait, e.g. when the runner stops: nobody waits for a position forever. */
  rejectAll(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }
}
