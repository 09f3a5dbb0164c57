import { afterAll, describe } from 'vitest';
import type { StartedTestContainer } from 'testcontainers';
import { connectEventStoreDb } from '../../src/event-store/eventstoredb/eventstoredb-event-store.ts';
import { describeEventStoreContract } from './event-store.contract.ts';

/**
 * The shared event store contract against KurrentDB: the server at EVENTSTORE_URL, else a
 * throwaway container. Where neither exists (no container runtime) the suite is skipped with one
 * line saying so, rather than failing a run that never claimed to need KurrentDB.
 */
const IMAGE = 'docker.kurrent.io/kurrent-latest/kurrentdb:latest'; // the image docker-compose.yml runs
const PORT = 2113;

// Decided before any test is collected, so `describe.skipIf` sees the answer.
const skipReason = process.env.EVENTSTORE_URL ? undefined : await noContainerRuntime();
if (skipReason) {
  console.log(`eventstoredb contract suite skipped: EVENTSTORE_URL is not set and ${skipReason}`);
}

async function noContainerRuntime(): Promise<string | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return `no container runtime was found (${String((error as Error).message ?? error).split('\n')[0]})`;
  }
}

// One server per file, started on first use: each setup gets its own client on it.
let container: Promise<StartedTestContainer> | undefined;

async function serverUrl(): Promise<string> {
  if (process.env.EVENTSTORE_URL) return process.env.EVENTSTORE_URL;
  container ??= startKurrentDb();
  const started = await container;
  return `kurrentdb://${started.getHost()}:${started.getMappedPort(PORT)}?tls=false`;
}

async function startKurrentDb(): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  return new GenericContainer(IMAGE)
    .withEnvironment({
      KURRENTDB_CLUSTER_SIZE: '1',
      KURRENTDB_RUN_PROJECTIONS: 'All',
      KURRENTDB_INSECURE: 'true',
      KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP: 'true',
    })
    .withExposedPorts(PORT)
    .withWaitStrategy(Wait.forHttp('/health/live', PORT).forStatusCodeMatching((code) => code < 300))
    .withStartupTimeout(120_000)
    .start();
}

describe.skipIf(skipReason !== undefined)('eventstoredb', () => {
  afterAll(async () => {
    if (container) await (await container).stop();
  });

  describeEventStoreContract('eventstoredb', async () => {
    const store = connectEventStoreDb(await serverUrl());
    return { store, teardown: () => store.close() };
  });
});
