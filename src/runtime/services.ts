import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { CommandDeps } from '../commands/command-deps.ts';
import type { EventStore } from '../commands/event-store/port.ts';
import { HttpNationalRegistry } from '../commands/identity/national-registry/http-registry.ts';
import type { NationalRegistry } from '../commands/identity/national-registry/port.ts';
import { PollCache } from '../commands/polls/poll-cache.ts';
import { loadOrCreateSecret } from '../db/secrets.ts';
import { createSqlPool } from '../db/slonik.ts';

/**
 * Every port a Pollster process uses, built once from the opened stores and passed down (the API
 * routes, the worker and the CLI take what they need from here; nothing is a module singleton).
 */
export interface Services {
  store: EventStore;
  /** SQL for everything but the event store's hot path (credentials, read models). */
  sql: DatabasePool;
  commands: CommandDeps;
  registry: NationalRegistry;
  secrets: {
    /** HMAC key for identifiers that must not appear in the log (national ids, anonymous voters). */
    identityKey: string;
    /** Signs access tokens. */
    jwtSecret: string;
  };
  close(): Promise<void>;
}

export interface ServiceOptions {
  store: EventStore;
  databaseUrl: string;
  registryUrl: string;
  /** Overrides the generated key kept in the `secrets` table. */
  jwtSecret?: string;
  sqlPoolSize?: number;
}

export async function createServices(options: ServiceOptions): Promise<Services> {
  const sql = await createSqlPool(options.databaseUrl, { maximumPoolSize: options.sqlPoolSize ?? 10 });
  const polls = new PollCache(options.store);
  await polls.start();
  const commands: CommandDeps = { store: options.store, polls, now: () => new Date(), newId: randomUUID };
  return {
    store: options.store,
    sql,
    commands,
    registry: new HttpNationalRegistry({ baseUrl: options.registryUrl }),
    secrets: {
      identityKey: await loadOrCreateSecret(sql, 'identity-hmac'),
      jwtSecret: options.jwtSecret ?? (await loadOrCreateSecret(sql, 'jwt')),
    },
    async close() {
      await polls.stop();
      await sql.end();
    },
  };
}
