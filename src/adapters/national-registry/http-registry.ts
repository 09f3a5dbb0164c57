import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker, CircuitOpenError, type CircuitState } from './circuit-breaker.ts';
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
  /** Clock for the breaker (tests). Default `Date.now`. */
  now?: () => number;
  /** Random source in [0, 1) for jitter (tests). Default `Math.random`. */
  random?: () => number;
  onBreakerStateChange?: (from: CircuitState, to: CircuitState) => void;
}

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
 * The breaker wraps each attempt and the retry loop wraps the breaker (the usual order): every
 * failed attempt counts towards opening, and once open the remaining retries fail fast instead
 * of waiting out more timeouts. Only network errors, timeouts, 5xx and 429 are retried; a 404 is
 * an answer, not a failure, so it neither retries nor counts towards the breaker.
 */
export class HttpNationalRegistry implements NationalRegistry {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #headers: Record<string, string>;
  readonly #random: () => number;
  readonly #breaker: CircuitBreaker;

  constructor(options: HttpRegistryOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    new URL(this.#base); // throws at start-up on a malformed URL rather than on the first lookup
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#attempts = Math.max(1, Math.floor(options.attempts ?? 3));
    this.#backoffBaseMs = options.backoffBaseMs ?? 100;
    this.#backoffMaxMs = options.backoffMaxMs ?? 2_000;
    this.#headers = { accept: 'application/json', ...options.headers };
    this.#random = options.random ?? Math.random;
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold ?? 5,
      coolDownMs: options.coolDownMs ?? 10_000,
      ...(options.now ? { now: options.now } : {}),
      isFailure: (error) => error instanceof RegistryFailure,
      ...(options.onBreakerStateChange ? { onStateChange: options.onBreakerStateChange } : {}),
    });
  }

  /** For health/readiness reporting. */
  get breakerState(): CircuitState {
    return this.#breaker.state;
  }

  async lookup(nationalId: string, signal?: AbortSignal): Promise<RegistryPerson> {
    const id = normaliseNationalId(nationalId);
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.#breaker.run(() => this.#attempt(id, signal));
      } catch (error) {
        if (error instanceof CircuitOpenError) throw registryUnavailable('circuit open', error);
        if (!(error instanceof RegistryFailure)) throw error; // the caller's abort
        if (!error.retryable || attempt >= this.#attempts) throw registryUnavailable(error.message, error);
        await sleep(this.#backoff(attempt, error.retryAfterMs), undefined, { signal }).catch(() => {
          throw signal?.reason;
        });
        continue;
      }
      if (answer.kind === 'not-found') throw nationalIdNotFound();
      if (answer.kind === 'invalid') throw invalidNationalId('was rejected by the registry');
      return requireEligible(answer.person);
    }
  }

  async #attempt(id: string, signal: AbortSignal | undefined): Promise<Answer> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await fetch(`${this.#base}/v1/persons/${encodeURIComponent(id)}`, {
        headers: this.#headers,
        signal: combined,
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
      const message = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : 'request failed';
      throw new RegistryFailure(message, { retryable: true, cause: error });
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    const exp = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** (attempt - 1));
    const delay = exp / 2 + this.#random() * (exp / 2);
    return Math.min(this.#backoffMaxMs, Math.max(delay, retryAfterMs ?? 0));
  }
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
