import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveResultsMessage } from '../../src/projections/to-nats/live-bus.ts';
import { NatsLiveBus } from '../../src/projections/to-nats/nats-live-bus.ts';
import { until } from './results-support.ts';

/**
 * A NATS restart under a live subscriber and publisher. Runs its own nats-server on a free port
 * (the shared one serves other suites, so it is never restarted); skipped where the binary is missing.
 */
const hasNatsServer = spawnSync('nats-server', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startNats(port: number): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Server is ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}`)));
  });
}

async function stopNats(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const message = (position: number): LiveResultsMessage => ({ pollId: 'p-restart', position, results: {}, eventId: `e-${position}` });

let server: ChildProcess | undefined;
const buses: NatsLiveBus[] = [];
afterAll(async () => {
  for (const bus of buses) await bus.close();
  if (server) await stopNats(server);
});

describe.skipIf(!hasNatsServer)('NATS live bus across a server restart', () => {
  it('reconnects by itself within a second, keeps its subscriptions and says when it is back', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    server = await startNats(port);
    const logger = pino({ level: 'silent' });
    const subscriber = await NatsLiveBus.connect(url, logger);
    const publisher = await NatsLiveBus.connect(url, logger);
    buses.push(subscriber, publisher);
    const received: number[] = [];
    subscriber.subscribe('p-restart', (m) => received.push(m.position));
    const announced: boolean[] = [];
    subscriber.onConnectionChange((connected) => announced.push(connected));
    // Publish until heard: the subscriber's SUB reaches the server a moment after subscribe().
    await until(async () => {
      await publisher.publish(message(1));
      return received.includes(1);
    });

    await stopNats(server);
    await until(() => !subscriber.connected);
    await new Promise((r) => setTimeout(r, 2_000)); // long enough for a delay growing with the outage to show
    server = await startNats(port);
    const upAt = Date.now();

    // No resubscribe by us: the client re-sends its subscriptions on reconnect, and says it is
    // back only once the server has them, so a single publish from then on is delivered.
    await until(() => subscriber.connected, 2_000);
    expect(Date.now() - upAt).toBeLessThanOrEqual(1_000);
    await until(() => publisher.connected, 2_000);
    await publisher.publish(message(2));
    await until(() => received.includes(2), 2_000);
    expect(received[0]).toBe(1);
    expect(announced).toEqual([false, true]);
  }, 30_000);
});
