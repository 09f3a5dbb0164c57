import { describe, expect, it } from 'vitest';
import { WorkerThread } from '../../src/runtime/worker-thread.ts';

/**
 * `pollster start` cannot serve without its worker thread (no projections, no checkpoints, no
 * scheduled closes): a thread that fails to start fails the start, and one that dies later is
 * reported, with the reason, to the process (which then exits 1, src/runtime/process.ts), never
 * left half-alive behind an API that still answers.
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
});
