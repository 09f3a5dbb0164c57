import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.ts';

/** A breaker on a hand-moved clock, recording its transitions. */
function given(options: CircuitBreakerOptions = {}) {
  let now = 1_000;
  const transitions: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    coolDownMs: 10_000,
    now: () => now,
    onStateChange: (from: CircuitState, to: CircuitState) => transitions.push(`${from}→${to}`),
    ...options,
  });
  let calls = 0;
  const ok = () => breaker.run(async () => (calls++, 'ok'));
  const fail = () => breaker.run(async () => (calls++, Promise.reject(new Error('boom'))));
  return {
    breaker,
    transitions,
    ok,
    fail,
    calls: () => calls,
    advance: (ms: number) => void (now += ms),
    failTimes: async (n: number) => {
      for (let i = 0; i < n; i++) await expect(fail()).rejects.toThrow('boom');
    },
  };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and passes results and errors through', async () => {
    const t = given();
    await t.failTimes(2);
    expect(await t.ok()).toBe('ok');
    expect(t.breaker.state).toBe('closed');
  });

  it('counts only consecutive failures: a success resets the count', async () => {
    const t = given();
    await t.failTimes(2);
    await t.ok();
    await t.failTimes(2);
    expect(t.breaker.state).toBe('closed');
  });

  it('opens after N consecutive failures and then fails fast without calling', async () => {
    const t = given();
    await t.failTimes(3);
    expect(t.breaker.state).toBe('open');
    const before = t.calls();
    const error = await t.ok().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAfterMs).toBe(10_000);
    expect(t.calls()).toBe(before);
    expect(t.transitions).toEqual(['closed→open']);
  });

  it('turns half-open after the cool-down and closes when the probe succeeds', async () => {
    const t = given();
    await t.failTimes(3);
    t.advance(9_999);
    await expect(t.ok()).rejects.toBeInstanceOf(CircuitOpenError);
    t.advance(1);
    expect(t.breaker.state).toBe('half-open');
    expect(await t.ok()).toBe('ok');
    expect(t.breaker.state).toBe('closed');
    expect(t.transitions).toEqual(['closed→open', 'open→half-open', 'half-open→closed']);
  });

  it('reopens for a full cool-down when the probe fails', async () => {
    const t = given();
    await t.failTimes(3);
    t.advance(10_000);
    await t.failTimes(1);
    expect(t.breaker.state).toBe('open');
    t.advance(9_999);
    await expect(t.ok()).rejects.toBeInstanceOf(CircuitOpenError);
    t.advance(1);
    expect(await t.ok()).toBe('ok');
  });

  it('lets exactly one probe through while half-open', async () => {
    const t = given();
    await t.failTimes(3);
    t.advance(10_000);
    let release!: () => void;
    const probe = t.breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probe'))));
    await expect(t.ok()).rejects.toMatchObject({ name: 'CircuitOpenError', retryAfterMs: 0 });
    release();
    expect(await probe).toBe('probe');
    expect(await t.ok()).toBe('ok');
  });

  it('ignores errors that isFailure does not count, even as a probe', async () => {
    const notFailure = new Error('not found');
    const t = given({ isFailure: (e) => e !== notFailure });
    const neutral = () => t.breaker.run(() => Promise.reject(notFailure));
    for (let i = 0; i < 5; i++) await expect(neutral()).rejects.toBe(notFailure);
    expect(t.breaker.state).toBe('closed');
    await t.failTimes(3);
    t.advance(10_000);
    await expect(neutral()).rejects.toBe(notFailure); // inconclusive probe: the next call probes again
    expect(t.breaker.state).toBe('half-open');
    expect(await t.ok()).toBe('ok');
    expect(t.breaker.state).toBe('closed');
  });

  it('does not let a late success of an older call close an open circuit', async () => {
    const t = given();
    let release!: () => void;
    const slow = t.breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('late'))));
    await t.failTimes(3);
    release();
    expect(await slow).toBe('late');
    expect(t.breaker.state).toBe('open');
  });

  it('refuses nonsensical options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ coolDownMs: -1 })).toThrow(RangeError);
  });
});
