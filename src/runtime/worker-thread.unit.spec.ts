import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { usesWorkerThread } from './worker-thread.ts';

describe('WORKER_THREAD', () => {
  const nats = { NATS_URL: 'nats://127.0.0.1:4222' };
  it.each([
    [{}, false],
    [nats, true],
    [{ ...nats, WORKER_THREAD: 'off' }, false],
    [{ ...nats, WORKER_THREAD: 'on' }, true],
    [{ WORKER_THREAD: 'off' }, false],
  ])('%o: a worker thread %s', (env, expected) => {
    expect(usesWorkerThread(loadConfig(env))).toBe(expected);
  });

  it('on without NATS is refused at start: the thread could not reach the API’s live viewers', () => {
    expect(() => loadConfig({ WORKER_THREAD: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_THREAD: 'on' })).toThrow(/WORKER_THREAD=on needs NATS_URL/);
    expect(() => loadConfig({ WORKER_THREAD: 'sometimes' })).toThrow(/WORKER_THREAD/);
  });
});
