import { connect } from 'node:net';
import type { TestProject } from 'vitest/node';
import { currentServiceUrls } from './support/services.ts';

/**
 * Finds PostgreSQL, Redis and NATS for the projects that need them (int, e2e, browser, drills;
 * not unit): the env URLs or the local defaults;
 * where one does not answer and a container runtime exists, a testcontainer takes its place;
 * otherwise the run stops at once with a message naming what is missing and how to start it.
 */
function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort), timeout: 1_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const SERVICES = [
  { name: 'postgres', env: 'TEST_DATABASE_URL', port: 5432, image: 'postgres:17', containerPort: 5432 },
  { name: 'redis', env: 'TEST_REDIS_URL', port: 6379, image: 'redis:7', containerPort: 6379 },
  { name: 'nats', env: 'TEST_NATS_URL', port: 4222, image: 'nats:2.10', containerPort: 4222 },
] as const;

export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<unknown>> = [];
  const missing: string[] = [];
  const urls = currentServiceUrls();
  for (const service of SERVICES) {
    const url = urls[service.name];
    if (await reachable(url, service.port)) continue;
    const started = await startContainer(service).catch((error: Error) => {
      missing.push(`${service.name} at ${url} (no answer; no container runtime either: ${error.message.split('\n')[0]})`);
      return undefined;
    });
    if (!started) continue;
    process.env[service.env] = started.url;
    stops.push(started.stop);
  }
  if (missing.length > 0) {
    throw new Error(
      `integration tests need these services:\n  ${missing.join('\n  ')}\n` +
        'start them (see README, "Running the tests") or point TEST_DATABASE_URL / TEST_REDIS_URL / TEST_NATS_URL at them',
    );
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

async function startContainer(service: (typeof SERVICES)[number]): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const { GenericContainer } = await import('testcontainers');
  let container = new GenericContainer(service.image).withExposedPorts(service.containerPort);
  if (service.name === 'postgres') container = container.withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' });
  if (service.name === 'nats') container = container.withCommand(['-js']);
  const started = await container.start();
  const host = `${started.getHost()}:${started.getMappedPort(service.containerPort)}`;
  const scheme = { postgres: 'postgres://postgres@', redis: 'redis://', nats: 'nats://' }[service.name];
  return { url: `${scheme}${host}${service.name === 'postgres' ? '/postgres' : ''}`, stop: () => started.stop() };
}
