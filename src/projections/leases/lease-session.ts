import pg from 'pg';
import { explainConnectionError } from '../../db/pool-errors.ts';
import type { ProjectionLogger } from '../runner/runner.ts';
import type { LeaseKey } from './lease-keys.ts';

/**
 * The one connection that holds every advisory lock of a worker: its presence, its partitions and
 * its jobs. One session per lock would cost a worker holding 4 partitions and the 6 jobs 11
 * connections of the server's 100; session locks stack per key, so one session holds them all.
 *
 * Dedicated, never pooled: a pooled connection could be handed to other work and the locks with
 * it (for the same reason leases need a direct connection or a session-mode pooler, never a
 * transaction-mode pgbouncer). When the session dies PostgreSQL drops all its locks at once, and
 * every lease taken on it is told; the next tryLock opens a new session.
 */
export interface LeaseSessionOptions {
  databaseUrl: string;
  logger: ProjectionLogger;
}

type Lost = (error: unknown) => void;

export class LeaseSession {
  readonly #options: LeaseSessionOptions;
  #client: pg.Client | undefined;
  #opening: Promise<pg.Client> | undefined;
  // Per connection: the leases to tell when it dies.
  readonly #listeners = new WeakMap<pg.Client, Set<Lost>>();
  #closed = false;
  // The leases' statements, one at a time: pg stops queueing concurrent queries on a client in pg 9.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: LeaseSessionOptions) {
    this.#options = options;
  }

  /**
   * Takes the lock if it is free. Returns the connection it is held on (pass it back to `ping`
   * and `unlock`) and calls `onLost` once if that connection dies first; undefined when taken.
   */
  async tryLock([namespace, id]: LeaseKey, onLost: Lost): Promise<pg.Client | undefined> {
    const client = await this.#connection();
    const { rows } = await this.#query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [namespace, id]);
    if (!rows[0]?.ok) return undefined;
    if (this.#client !== client) {
      // Died while answering: the lock went with it.
      onLost(new Error('lease session: connection ended'));
      return undefined;
    }
    this.#listeners.get(client)!.add(onLost);
    return client;
  }

  holds(client: pg.Client): boolean {
    return this.#client === client;
  }

  /** A round trip on `client`; a failure ends the session (every lease on it is lost). */
  async ping(client: pg.Client): Promise<boolean> {
    try {
      await this.#query(client, 'SELECT 1');
    } catch (error) {
      this.#drop(client, error);
    }
    return this.holds(client);
  }

  /** Gives the lock back; `onLost` of that lease is no longer called. */
  async unlock(client: pg.Client, [namespace, id]: LeaseKey, onLost: Lost): Promise<void> {
    this.#listeners.get(client)?.delete(onLost);
    if (this.#client !== client) return; // that session is gone, and the lock with it
    try {
      const { rows } = await this.#query<{ ok: boolean }>(client, 'SELECT pg_advisory_unlock($1::int, $2::int) AS ok', [namespace, id]);
      if (!rows[0]?.ok) throw new Error(`lease session: lock (${namespace}, ${id}) was not held`);
    } catch (error) {
      // A lock that may still be held must not outlive our belief that it was given back:
      // ending the session frees it for certain (the other leases on it are re-taken next round).
      this.#drop(client, error);
    }
  }

  /** Ends the session; call after every lease was released. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client ?? (await this.#opening?.catch(() => undefined));
    if (client) this.#drop(client, new Error('lease session closed'));
  }

  #query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const result = this.#queue.then(() => client.query<R>(text, values));
    this.#queue = result.catch(() => {});
    return result;
  }

  #connection(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('lease session closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#opening ??= this.#open().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#options.databaseUrl,
      application_name: 'pollster-leases',
      // Notice a dead peer (a cut network) instead of believing the locks are still ours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    // Before connect: an 'error' without a listener would crash the process.
    client.on('error', (error) => this.#drop(client, error));
    client.on('end', () => this.#drop(client, new Error('lease session: connection ended')));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw explainConnectionError(error, { name: 'lease session', size: 1 });
    }
    this.#listeners.set(client, new Set());
    this.#client = client;
    return client;
  }

  #drop(client: pg.Client, error: unknown): void {
    if (this.#client === client) this.#client = undefined;
    const listeners = this.#listeners.get(client);
    if (!listeners) return; // already dropped, or never opened
    this.#listeners.delete(client);
    client.end().catch(() => {});
    if (listeners.size > 0 && !this.#closed) this.#options.logger.warn({ err: error, leases: listeners.size }, 'lease session lost: its connection closed');
    for (const lost of listeners) lost(error);
  }
}
