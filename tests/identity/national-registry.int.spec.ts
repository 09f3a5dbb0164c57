import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpNationalRegistry, type HttpRegistryOptions } from '../../src/adapters/national-registry/http-registry.ts';
import { SANDBOX_IDS, startRegistrySandbox, type RegistrySandbox } from '../../src/adapters/national-registry/sandbox/index.ts';

/**
 * The HTTP adapter against the sandbox registry over a real socket. Each test gets a fresh
 * adapter (so breaker state never leaks between tests) and sizes its timeouts in tens of ms.
 */
let sandbox: RegistrySandbox;

beforeAll(async () => {
  sandbox = await startRegistrySandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

const registry = (options: Partial<HttpRegistryOptions> = {}) =>
  new HttpNationalRegistry({ baseUrl: sandbox.url, timeoutMs: 500, backoffBaseMs: 5, backoffMaxMs: 20, ...options });

/** Runs `fn` and reports how many requests reached the sandbox meanwhile. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; requests: number }> {
  const before = sandbox.requestCount;
  try {
    const result = await fn();
    return { result, error: undefined, requests: sandbox.requestCount - before };
  } catch (error) {
    return { result: undefined, error, requests: sandbox.requestCount - before };
  }
}

describe('lookup', () => {
  it('returns an active person', async () => {
    const person = await registry().lookup(SANDBOX_IDS.active);
    expect(person).toEqual({
      nationalId: '19850312005',
      fullName: 'Amina Wanjiru Otieno',
      dateOfBirth: '1985-03-12',
      status: 'active',
    });
  });

  it('normalises the input before asking', async () => {
    const person = await registry().lookup('1985-0312 005');
    expect(person.nationalId).toBe(SANDBOX_IDS.active);
  });

  it('returns a person without a birth date', async () => {
    const person = await registry().lookup(SANDBOX_IDS.activeWithoutBirthDate);
    expect(person).not.toHaveProperty('dateOfBirth');
  });

  it('reports an unknown id as not found, without retrying', async () => {
    const { error, requests } = await counting(() => registry().lookup(SANDBOX_IDS.unknown));
    expect(error).toMatchObject({ name: 'NotFoundError', code: 'national-id.not-found' });
    expect(requests).toBe(1);
  });

  it('rejects a malformed id locally: no request is made', async () => {
    const { error, requests } = await counting(() => registry().lookup(SANDBOX_IDS.badCheckDigit));
    expect(error).toMatchObject({ name: 'ValidationError', code: 'national-id.invalid', field: 'nationalId' });
    expect(requests).toBe(0);
  });

  it.each([
    ['deceased', SANDBOX_IDS.deceased],
    ['revoked', SANDBOX_IDS.revoked],
  ])('rejects a %s person as not eligible', async (_status, id) => {
    await expect(registry().lookup(id)).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'national-id.not-eligible',
    });
  });

  it('keeps the national id out of error messages', async () => {
    const error = await registry().lookup(SANDBOX_IDS.deceased).catch((e: Error) => e);
    expect((error as Error).message).not.toContain(SANDBOX_IDS.deceased);
  });
});

describe('retries', () => {
  it('recovers from two 503s within three attempts', async () => {
    sandbox.failNext(2);
    const { result, requests } = await counting(() => registry({ attempts: 3 }).lookup(SANDBOX_IDS.active));
    expect(result?.fullName).toBe('Amina Wanjiru Otieno');
    expect(requests).toBe(3);
  });

  it('retries 429 as well, and gives up as unavailable after the last attempt', async () => {
    sandbox.failNext(3, 429);
    const { error, requests } = await counting(() => registry({ attempts: 3 }).lookup(SANDBOX_IDS.active));
    expect(error).toMatchObject({ name: 'UnavailableError', code: 'national-registry.unavailable' });
    expect(requests).toBe(3);
  });

  it('does not retry a non-retryable status', async () => {
    sandbox.failNext(1, 401);
    const { error, requests } = await counting(() => registry({ attempts: 3 }).lookup(SANDBOX_IDS.active));
    expect(error).toMatchObject({ code: 'national-registry.unavailable' });
    expect(requests).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, fails fast while open, and closes after the cool-down', async () => {
    const client = registry({ attempts: 1, failureThreshold: 3, coolDownMs: 300 });
    sandbox.failNext(3);
    for (let i = 0; i < 3; i++) {
      await expect(client.lookup(SANDBOX_IDS.active)).rejects.toMatchObject({ code: 'national-registry.unavailable' });
    }
    expect(client.breakerState).toBe('open');

    // While open nothing reaches the registry, although it would answer now.
    const started = performance.now();
    const fast = await counting(() => client.lookup(SANDBOX_IDS.active));
    expect(fast.error).toMatchObject({ name: 'UnavailableError', code: 'national-registry.unavailable' });
    expect(fast.requests).toBe(0);
    expect(performance.now() - started).toBeLessThan(100);

    await new Promise((resolve) => setTimeout(resolve, 320));
    expect(client.breakerState).toBe('half-open');
    const probe = await counting(() => client.lookup(SANDBOX_IDS.active));
    expect(probe.result?.status).toBe('active');
    expect(probe.requests).toBe(1);
    expect(client.breakerState).toBe('closed');
  });

  it('stops retrying once the breaker opens mid-lookup', async () => {
    const client = registry({ attempts: 5, failureThreshold: 2, coolDownMs: 10_000 });
    sandbox.failNext(5);
    const { error, requests } = await counting(() => client.lookup(SANDBOX_IDS.active));
    expect(error).toMatchObject({ code: 'national-registry.unavailable' });
    expect(requests).toBe(2);
    sandbox.failNext(0); // the three unused failures must not leak into the next test
  });

  it('does not count not-found answers as failures', async () => {
    const client = registry({ failureThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      await expect(client.lookup(SANDBOX_IDS.unknown)).rejects.toMatchObject({ code: 'national-id.not-found' });
    }
    expect(client.breakerState).toBe('closed');
  });
});

describe('timeouts', () => {
  it('gives up on a slow registry after the per-attempt timeout', async () => {
    sandbox.latencyMs = 1_000;
    try {
      const started = performance.now();
      const { error, requests } = await counting(() => registry({ timeoutMs: 100, attempts: 2 }).lookup(SANDBOX_IDS.active));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ name: 'UnavailableError', code: 'national-registry.unavailable' });
      expect((error as Error).message).toContain('no answer within 100 ms');
      expect(requests).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(700); // well under one server latency: we did not wait it out
    } finally {
      sandbox.latencyMs = 0;
    }
  });

  it("stops at once when the caller's signal aborts, without counting a failure", async () => {
    sandbox.latencyMs = 400;
    try {
      const client = registry({ failureThreshold: 1 });
      const error = await client.lookup(SANDBOX_IDS.active, AbortSignal.timeout(50)).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(client.breakerState).toBe('closed');
    } finally {
      sandbox.latencyMs = 0;
    }
  });
});
