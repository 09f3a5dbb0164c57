import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventStore } from '../../src/event-store/port.ts';

/**
 * The position of the last event committed, once the log is readable through it. A ballot is
 * answered as soon as it commits (a fenced append), possibly while an older transaction (another
 * flusher's, a projection's) still holds the log's readable end below it: `headPosition()` read
 * right after the answer can miss the ballot. Tests that want "everything written so far" use this.
 */
export async function committedHead(services: { store: EventStore; sql: DatabasePool }, timeoutMs = 5_000): Promise<bigint> {
  const committed = await services.sql.oneFirst(sql.type(z.object({ at: z.bigint() }))`SELECT coalesce(max(position), 0) AS at FROM events`);
  const deadline = Date.now() + timeoutMs;
  while ((await services.store.headPosition()) < committed) {
    if (Date.now() > deadline) throw new Error(`the log stayed unreadable through ${committed} for ${timeoutMs} ms`);
    await sleep(5);
  }
  return committed;
}
