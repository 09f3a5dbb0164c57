import type { KeyObject } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { EventStore } from '../../event-store/port.ts';
import type { NationalRegistry } from '../../adapters/national-registry/port.ts';
import type { Mailer } from '../../adapters/mail/port.ts';

/** Secrets never go into the log: they live in the credentials table. */
export interface AccountDeps {
  store: EventStore;
  sql: DatabasePool;
  registry: NationalRegistry;
  identityKey: KeyObject;
  now: () => Date;
  newId: () => string;
  /**
   * A credentials row this old without its `user-<id>` stream is an abandoned registration that a
   * new registration of the same email may take over; younger ones may still be in progress.
   * Default 60 s (a registration takes milliseconds).
   */
  abandonedAfterMs?: number;
  mailer: Mailer;
}

export function accountDeps(services: {
  store: EventStore;
  sql: DatabasePool;
  registry: NationalRegistry;
  secrets: { identityKey: KeyObject };
  commands: { now: () => Date; newId: () => string };
  mailer: Mailer;
}): AccountDeps {
  return {
    store: services.store,
    sql: services.sql,
    registry: services.registry,
    identityKey: services.secrets.identityKey,
    // Looked up per call, so a clock set on the services (tests of expiry) reaches these commands too.
    now: () => services.commands.now(),
    newId: services.commands.newId,
    mailer: services.mailer,
  };
}
