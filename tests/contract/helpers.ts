import { randomBytes, randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend, RecordedEvent, SubscribeOptions } from '../../src/event-store/port.ts';

/**
 * Helpers shared by the contract suites. Every test uses a category of its own, so tests never
 * see each other's events in `$all` even though one store (one database) serves the whole file.
 */
export function freshCategory(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export function event(type = 'Tested', data: unknown = { n: 1 }): EventToAppend {
  return { id: randomUUID(), type, data, metadata: { correlationId: randomUUID(), actor: 'system' } };
}

export function events(count: number, type = 'Tested'): EventToAppend[] {
  return Array.from({ length: count }, (_, n) => event(type, { n }));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every event of the given categories in `$all`, read page by page. */
export async function readAllOf(store: EventStore, categories: string[], pageSize = 100): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let from = 0n;
  for (;;) {
    const page = await store.readAll({ from, limit: pageSize, categories });
    out.push(...page.events);
    if (page.events.length < pageSize) return out;
    from = page.next;
  }
}

export interface Tail {
  events: RecordedEvent[];
  /** Resolves when `predicate` holds for everything received so far (or rejects after `ms`). */
  until(predicate: (events: RecordedEvent[]) => boolean, ms?: number): Promise<void>;
  /** Aborts the subscription and resolves when the iteration has ended by itself. */
  stop(): Promise<void>;
}

/** Runs `subscribeToAll` in the background, collecting every delivered event in order. */
export function tail(store: EventStore, options: Omit<SubscribeOptions, 'signal'>): Tail {
  const controller = new AbortController();
  const received: RecordedEvent[] = [];
  const done = (async () => {
    for await (const page of store.subscribeToAll({ ...options, signal: controller.signal })) received.push(...page);
  })();
  return {
    events: received,
    async until(predicate, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`tail: condition not met within ${ms} ms (${received.length} events)`);
        await sleep(5);
      }
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Positions strictly increase and no event id repeats. */
export function assertOrderedOnce(received: readonly RecordedEvent[]): void {
  const ids = new Set<string>();
  let last = -1n;
  for (const e of received) {
    if (e.position <= last) throw new Error(`position ${e.position} after ${last}`);
    if (ids.has(e.id)) throw new Error(`event ${e.id} delivered twice`);
    ids.add(e.id);
    last = e.position;
  }
}

/**
 * The store as the contract drives it: `readAll` first waits (10 s at most) until the log is
 * readable through the last position this suite's appends were handed. On postgres a reader of
 * `$all` stops at the oldest transaction open anywhere on the server, and the test files running
 * beside this one open such transactions all the time: without the wait a read right after an
 * append may legitimately see less, and the assertion would measure the neighbours, not the store.
 */
export function readingItsOwnWrites(inner: EventStore): EventStore {
  let written = -1n;
  const readable = () => untilReadable(inner, written);
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          const result = await target.append(...args);
          if (result.position > written) written = result.position;
          return result;
        };
      }
      if (property === 'readAll') {
        return async (...args: Parameters<EventStore['readAll']>) => {
          await readable();
          return target.readAll(...args);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Waits (10 s at most) until the log is readable through `position` (see readingItsOwnWrites). */
export async function untilReadable(store: EventStore, position: bigint): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    if ((await store.headPosition()) >= position) return;
  }
}
