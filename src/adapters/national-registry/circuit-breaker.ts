/**
 * A small, generic circuit breaker. It stops us from hammering a dependency that is down (and
 * from making every request wait for timeouts) by failing fast for a cool-down period.
 *
 *   closed ──N consecutive failures──▶ open ──cool-down elapsed──▶ half-open
 *     ▲                                  ▲                            │ one probe call
 *     └────────── probe succeeds ────────┼──── probe fails ───────────┘
 *
 * While half-open exactly one call (the probe) goes through; the others fail fast until it ends.
 * Time comes from an injected clock so tests need no real waiting.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before a probe is allowed, in ms. Default 10 000. */
  coolDownMs?: number;
  /** Milliseconds clock. Default `Date.now`. */
  now?: () => number;
  /**
   * Whether a thrown error says the dependency is unhealthy. Errors for which this is false (a
   * caller's abort, a "not found" answer) neither count as failures nor as successes.
   * Default: every error is a failure.
   */
  isFailure?: (error: unknown) => boolean;
  /** Called on every transition, e.g. to log or export a metric. */
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
}

/** Thrown instead of calling the dependency; adapters translate it into their own error. */
export class CircuitOpenError extends Error {
  /** How long until a probe may be tried; 0 while a probe is already in flight. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super('circuit open: failing fast');
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

type Internal =
  | { status: 'closed'; failures: number }
  | { status: 'open'; until: number }
  | { status: 'half-open' }; // a probe is in flight

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #now: () => number;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onStateChange: ((from: CircuitState, to: CircuitState) => void) | undefined;
  #state: Internal = { status: 'closed', failures: 0 };

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#coolDownMs = options.coolDownMs ?? 10_000;
    if (!(Number.isInteger(this.#threshold) && this.#threshold >= 1)) {
      throw new RangeError('failureThreshold must be an integer >= 1');
    }
    if (!(this.#coolDownMs >= 0)) throw new RangeError('coolDownMs must be >= 0');
    this.#now = options.now ?? Date.now;
    this.#isFailure = options.isFailure ?? (() => true);
    this.#onStateChange = options.onStateChange;
  }

  /** The state a call made now would see: an open circuit past its cool-down reads half-open. */
  get state(): CircuitState {
    const s = this.#state;
    if (s.status === 'open' && this.#now() >= s.until) return 'half-open';
    return s.status;
  }

  /** Runs `fn` unless the circuit is open; records its outcome. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const probe = this.#admit();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      if (this.#isFailure(error)) this.#failure(probe);
      else if (probe) this.#set({ status: 'open', until: this.#now() }); // inconclusive: next call probes
      throw error;
    }
    this.#success(probe);
    return result;
  }

  /** Returns whether this call is the half-open probe; throws when the call must fail fast. */
  #admit(): boolean {
    const s = this.#state;
    if (s.status === 'closed') return false;
    if (s.status === 'half-open') throw new CircuitOpenError(0);
    const wait = s.until - this.#now();
    if (wait > 0) throw new CircuitOpenError(wait);
    this.#set({ status: 'half-open' });
    return true;
  }

  #success(probe: boolean): void {
    // A slow call that started before the circuit opened says little; only the probe closes it.
    if (probe || this.#state.status === 'closed') this.#set({ status: 'closed', failures: 0 });
  }

  #failure(probe: boolean): void {
    const s = this.#state;
    if (probe) {
      this.#set({ status: 'open', until: this.#now() + this.#coolDownMs });
    } else if (s.status === 'closed') {
      const failures = s.failures + 1;
      this.#set(
        failures >= this.#threshold ? { status: 'open', until: this.#now() + this.#coolDownMs } : { status: 'closed', failures },
      );
    }
    // Already open: late failures of calls that started earlier do not extend the cool-down.
  }

  #set(next: Internal): void {
    const from = this.#state.status;
    this.#state = next;
    if (from !== next.status) this.#onStateChange?.(from, next.status);
  }
}
