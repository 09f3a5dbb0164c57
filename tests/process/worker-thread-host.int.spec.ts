import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/domain/shared/errors.ts';
import { WorkerThread } from '../../src/runtime/worker-thread.ts';

/**
 * The main thread's side of `pollster start`'s worker thread (src/runtime/worker-thread.ts), with
 * stand-in threads. The process cannot serve without it (no projections, no checkpoints, no
 * scheduled closes): a thread that fails to start fails the start, and one that dies later is
 * reported, with the reason, to the process (which then exits 1, src/runtime/process.ts), never
 * left half-alive behind an API that still answers. Its refusals reach the API as in one thread.
 */
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const data = { databaseUrl: 'postgres://127.0.0.1:1/none', logFormat: 'json' as const };

describe('the worker thread of pollster start', () => {
  it('a thread that fails before it is ready fails the start with its reason', async () => {
    const deaths: Error[] = [];
    const thread = new WorkerThread({ onDeath: (error) => deaths.push(error), entry: fixture('thread-fails-to-start.ts') });
    await expect(thread.start(data)).rejects.toThrow(/worker thread stopped \(exit code 1\): cannot reach the database/);
    expect(deaths).toEqual([]);
  });

  it('a thread that dies after starting is reported to the process, and what waited on it fails as unavailable', async () => {
    let died: (error: Error) => void = () => {};
    const death = new Promise<Error>((resolve) => (died = resolve));
    const thread = new WorkerThread({ onDeath: died, entry: fixture('thread-dies.ts') });
    await thread.start(data);
    const status = thread.status();
    await expect(status).rejects.toMatchObject({ code: 'projection.unavailable' });
    expect((await death).message).toMatch(/worker thread stopped \(exit code 1\): the projection runner crashed/);
    await expect(thread.waitForPosition(1n)).rejects.toMatchObject({ code: 'projection.unavailable' });
    await thread.stop(); // nothing left to stop
  });

  it('a wait the thread gives up on is a 503 projection.timeout, as in one thread, and a caller may stop waiting', async () => {
    const thread = new WorkerThread({ onDeath: () => {}, entry: fixture('thread-waits.ts') });
    await thread.start(data);
    const timedOut = await thread.waitForPosition(1n, { timeoutMs: 5_000 }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(UnavailableError);
    expect(timedOut).toMatchObject({ code: 'projection.timeout' });
    const caller = new AbortController();
    const waiting = thread.waitForPosition(2n, { signal: caller.signal });
    caller.abort(new Error('the client went away'));
    await expect(waiting).rejects.toThrow('the client went away');
    await thread.stop();
    await expect(thread.status()).rejects.toMatchObject({ code: 'projection.unavailable' });
  });
});
