import pg from 'pg';
import type { ProjectionLogger } from '../runtime/runner.ts';
import type { LeaseKey } from './lease-keys.ts';

export interface AdvisoryLeaseOptions {
  databaseUrl: string;
  key: LeaseKey;
  /** For logs and the session's application_name (`pollster <name>`, visible in pg_stat_activity). */
  name: string;
  logger: ProjectionLogger;
  /** Called once when a held lease is lost (its connection closed or failed), not on release(). */
  onLost?: (error: unknown) => void;
}

/**
 * A lease is a session-level advisory lock on a connection of its own: held exactly as long as
 * that session lives. A crashed worker's connection closes, PostgreSQL drops its locks at once,
 * and another worker's next try succeeds: no expiry times, no clock skew, no fencing table.
 *
 * The connection is dedicated (not from a pool) because a pooled connection could be handed to
 * other work and the lock with it; for the same reason leases need a direct connection or a
 * session-mode pooler, never a transaction-mode pgbouncer.
 */
export class AdvisoryLease {
  readonly name: string;
  readonly #options: AdvisoryLeaseOptions;
  #client: pg.Client | undefined;

  constructor(options: AdvisoryLeaseOptions) {
    this.#options = options;
    this.name = options.name;
  }

  get held(): boolean {
    return this.#client !== undefined;
  }

  /** Takes the lock if it is free; true when this lease holds it afterwards. */
  async tryAcquire(): Promise<boolean> {
    if (this.#client) return true;
    const client = new pg.Client({
      connectionString: this.#options.databaseUrl,
      application_name: `pollster ${this.name}`.slice(0, 63),
      // Notice a dead peer (a cut network) instead of believing the lock is still ours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    // Before connect: an 'error' without a listener would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error(`lease ${this.name}: connection ended`)));
    try {
      await client.connect();
      const [namespace, id] = this.#options.key;
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [namespace, id]);
      if (rows[0]?.ok) {
        this.#client = client;
        return true;
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    await client.end().catch(() => {});
    return false;
  }

  /**
   * Confirms the session is alive (a round trip). A lease whose connection died is reported lost
   * here at the latest, so a worker stops the partition's runners within one check interval.
   */
  async check(): Promise<boolean> {
    const client = this.#client;
    if (!client) return false;
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.#lost(client, error);
    }
    return this.held;
  }

  /** Unlocks and closes the connection; the caller stops the leased work first. */
  async release(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = undefined;
    const [namespace, id] = this.#options.key;
    // Closing the session frees the lock anyway; the unlock only makes it explicit and immediate.
    await client.query('SELECT pg_advisory_unlock($1::int, $2::int)', [namespace, id]).catch(() => {});
    await client.end().catch(() => {});
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return; // a released or never-held connection closing
    this.#client = undefined;
    client.end().catch(() => {});
    this.#options.logger.warn({ err: error, lease: this.name }, 'lease lost: its connection closed');
    this.#options.onLost?.(error);
  }
}
