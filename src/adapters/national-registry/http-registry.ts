import { BrokenCircuitError, CircuitState, circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, halfJitterGenerator, handleWhen } from 'cockatiel';
import { retry, timeout, TimeoutStrategy, wrap, type IBackoff, type IBackoffFactory, type IDefaultPolicyContext, type IPolicy, type IRetryBackoffContext } from 'cockatiel';
import {
  invalidNationalId,
  nationalIdNotFound,
  normaliseNationalId,
  REGISTRY_STATUSES,
  registryUnavailable,
  requireEligible,
  type NationalRegistry,
  type RegistryPerson,
  type RegistryStatus,
} from './port.ts';

export interface HttpRegistryOptions {
  /** Base URL of the registry (config `REGISTRY_URL`), e.g. `https://registry.example/api`. */
  baseUrl: string;
  /** Per-attempt timeout in ms, covering headers and body. Default 2 000. */
  timeoutMs?: number;
  /** Attempts per lookup, first one included; 1 disables retries. Default 3. */
  attempts?: number;
  /** First backoff delay in ms; doubles per retry, with jitter. Default 100. */
  backoffBaseMs?: number;
  /** Upper bound for one backoff delay (also for an honoured Retry-After). Default 2 000. */
  backoffMaxMs?: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the open circuit fails fast before letting one probe through, in ms. Default 10 000. */
  coolDownMs?: number;
  /** Extra request headers, e.g. the registry's API key. */
  headers?: Record<string, string>;
  onBreakerStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** The breaker as a call made now would find it: an open circuit past its cool-down reads half-open. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * An attempt the registry did not answer properly. Every one counts towards the breaker; only
 * `retryable` ones (network error, timeout, 5xx, 429) are tried again.
 */
class RegistryFailure extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { retryable: boolean; cause?: unknown; retryAfterMs?: number | undefined }) {
    super(message, { cause: options.cause });
    this.name = 'RegistryFailure';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

type Answer = { kind: 'found'; person: RegistryPerson } | { kind: 'not-found' } | { kind: 'invalid' };

/**
 * `GET ${baseUrl}/v1/persons/{id}` → 200 person JSON | 404 | 400 (id rejected) | 5xx.
 *
 * Policies, outermost first: retry, circuit breaker, timeout. Every failed attempt counts towards
 * opening the breaker, and once open the remaining retries fail fast (a broken circuit is not
 * retried) instead of waiting out more timeouts. Only network errors, timeouts, 5xx and 429 are
 * retried; a 404 is an answer, not a failure, so it neither retries nor counts towards the breaker,
 * and neither does the caller's abort.
 */
export class HttpNationalRegistry implements NationalRegistry {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #coolDownMs: number;
  readonly #headers: Record<string, string>;
  readonly #policy: IPolicy<IDefaultPolicyContext, never>;
  readonly #breaker;
  #openedAt = 0;

  constructor(options: HttpRegistryOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    new URL(this.#base); // throws at start-up on a malformed URL rather than on the first lookup
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#coolDownMs = options.coolDownMs ?? 10_000;
    this.#headers = { accept: 'application/json', ...options.headers };
    const backoffMaxMs = options.backoffMaxMs ?? 2_000;
    const retries = retry(
      handleWhen((error) => error instanceof RegistryFailure && error.retryable),
      {
        maxAttempts: Math.max(1, Math.floor(options.attempts ?? 3)) - 1,
        // Doubling from the base, half fixed and half random ("equal jitter"), so retries spread out.
        backoff: honouringRetryAfter(
          new ExponentialBackoff({ initialDelay: options.backoffBaseMs ?? 100, maxDelay: backoffMaxMs, generator: halfJitterGenerator }),
          backoffMaxMs,
        ),
      },
    );
    this.#breaker = circuitBreaker(
      handleWhen((error) => error instanceof RegistryFailure),
      { halfOpenAfter: this.#coolDownMs, breaker: new ConsecutiveBreaker(options.failureThreshold ?? 5) },
    );
    this.#breaker.onBreak(() => (this.#openedAt = Date.now()));
    let last: BreakerState = 'closed';
    this.#breaker.onStateChange(() => {
      const next = this.breakerState;
      if (next !== last) options.onBreakerStateChange?.(last, next);
      last = next;
    });
    // Cooperative: the attempt's fetch stops on the signal and reports the timeout in its own words.
    this.#policy = wrap(retries, this.#breaker, timeout(this.#timeoutMs, TimeoutStrategy.Cooperative));
  }

  /** For health/readiness reporting. */
  get breakerState(): BreakerState {
    switch (this.#breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
      case CircuitState.Isolated:
        return Date.now() - this.#openedAt >= this.#coolDownMs ? 'half-open' : 'open';
    }
  }

  async lookup(nationalId: string, signal?: AbortSignal): Promise<RegistryPerson> {
    const id = normaliseNationalId(nationalId);
    let answer: Answer;
    try {
      answer = await this.#policy.execute((context) => this.#attempt(id, signal, context.signal), signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw registryUnavailable('circuit open', error);
      if (error instanceof RegistryFailure) throw registryUnavailable(error.message, error);
      throw error; // the caller's abort
    }
    if (answer.kind === 'not-found') throw nationalIdNotFound();
    if (answer.kind === 'invalid') throw invalidNationalId('was rejected by the registry');
    return requireEligible(answer.person);
  }

  /** `attemptSignal` aborts on the caller's signal or the per-attempt timeout. */
  async #attempt(id: string, signal: AbortSignal | undefined, attemptSignal: AbortSignal): Promise<Answer> {
    signal?.throwIfAborted();
    try {
      const response = await fetch(`${this.#base}/v1/persons/${encodeURIComponent(id)}`, {
        headers: this.#headers,
        signal: attemptSignal,
      });
      if (response.status === 200) {
        const text = await response.text(); // inside the try: a stalled body hits the timeout too
        return { kind: 'found', person: parsePerson(text, id) };
      }
      await response.body?.cancel(); // free the connection for reuse
      if (response.status === 404) return { kind: 'not-found' };
      if (response.status === 400) return { kind: 'invalid' };
      const retryable = response.status >= 500 || response.status === 429;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      // 401/403 etc. are configuration faults: retrying will not help, but the registry is
      // unusable all the same, so they count as failures and surface as unavailable.
      throw new RegistryFailure(`registry answered ${response.status}`, { retryable, retryAfterMs });
    } catch (error) {
      if (signal?.aborted) throw signal.reason; // the caller gave up: not the registry's fault
      if (error instanceof RegistryFailure) throw error;
      const message = attemptSignal.aborted ? `no answer within ${this.#timeoutMs} ms` : 'request failed';
      throw new RegistryFailure(message, { retryable: true, cause: error });
    }
  }

}

/** A Retry-After the registry sent stretches the next delay (never past the cap). */
function honouringRetryAfter(
  backoff: IBackoffFactory<IRetryBackoffContext<unknown>>,
  maxMs: number,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const stretch = (next: IBackoff<IRetryBackoffContext<unknown>>, context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> => {
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfterMs = error instanceof RegistryFailure ? (error.retryAfterMs ?? 0) : 0;
    return {
      duration: Math.min(maxMs, Math.max(next.duration, retryAfterMs)),
      next: (following) => stretch(next.next(following), following),
    };
  };
  return { next: (context) => stretch(backoff.next(context), context) };
}

/** Retry-After in seconds (the HTTP-date form is rare from APIs and is ignored). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** The registry's body is input too: a malformed one is a registry fault, never a person. */
function parsePerson(text: string, requestedId: string): RegistryPerson {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new RegistryFailure('registry answered malformed JSON', { retryable: false, cause });
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const ok =
    b.nationalId === requestedId &&
    typeof b.fullName === 'string' &&
    b.fullName.trim() !== '' &&
    (b.dateOfBirth === undefined || b.dateOfBirth === null || typeof b.dateOfBirth === 'string') &&
    (REGISTRY_STATUSES as readonly unknown[]).includes(b.status);
  if (!ok) throw new RegistryFailure('registry answered an unexpected person record', { retryable: false });
  const person: RegistryPerson = {
    nationalId: requestedId,
    fullName: (b.fullName as string).trim(),
    status: b.status as RegistryStatus,
  };
  if (typeof b.dateOfBirth === 'string') person.dateOfBirth = b.dateOfBirth;
  return person;
}
