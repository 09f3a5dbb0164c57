import { afterAll, beforeAll, describe } from 'vitest';
import type { EventStore } from '../../src/event-store/port.ts';
import { readingItsOwnWrites } from './helpers.ts';
import { appendContract } from './append.contract.ts';
import { readContract } from './read.contract.ts';
import { subscribeContract } from './subscribe.contract.ts';
import { versionsContract } from './versions.contract.ts';

/**
 * The event store contract (ARCHITECTURE.md, "Event store port"): every adapter runs this same
 * suite from its own `*.int.spec.ts`. Only behaviour the port promises is tested here; what is
 * specific to one engine (postgres raw writers, transaction-id ordering) stays in that adapter's
 * spec. `setup` runs once for the suite; tests isolate themselves by fresh stream categories.
 */
export function describeEventStoreContract(
  name: string,
  setup: () => Promise<{ store: EventStore; teardown(): Promise<void> }>,
): void {
  describe(`event store contract: ${name}`, () => {
    let current: { store: EventStore; teardown(): Promise<void> } | undefined;
    const store = (): EventStore => {
      if (!current) throw new Error('event store contract: setup did not run');
      return current.store;
    };

    beforeAll(async () => {
      const opened = await setup();
      current = { ...opened, store: readingItsOwnWrites(opened.store) };
    }, 120_000);
    afterAll(async () => {
      await current?.teardown();
    });

    appendContract(store);
    readContract(store);
    subscribeContract(store);
    versionsContract(store);
  });
}
