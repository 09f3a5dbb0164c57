import type pg from 'pg';
import type { ProjectionLogger } from '../runner/runner.ts';
import type { LeaseKey } from './lease-keys.ts';
import type { LeaseSession } from './lease-session.ts';

export interface AdvisoryLeaseOptions {
  /** The worker's lease session: the connection every one of its locks is held on. */
  session: LeaseSession;
  key: LeaseKey;
  name: string;
  logger: ProjectionLogger;
  /** Called once when a held lease is lost (its session closed or failed), not on release(). */
  onLost?: (error: unknown) => void;
}

/**
 * A lease is a session-level advisory lock: held exactly as long as the session that took it
 * lives. A crashed worker's connection closes, PostgreSQL drops its locks at once, and another
 * worker's next try succeeds: no expiry times, no clock skew, no fencing table.
 */
export class AdvisoryLease {
  readonly name: string;
  readonly #options: AdvisoryLeaseOptions;
  #heldOn: pg.Client | undefined;
  readonly #lost = (error: unknown) => {
    if (!this.#heldOn) return;
    this.#heldOn = undefined;
    this.#options.logger.warn({ err: error, lease: this.name }, 'lease lost: its session closed');
    this.#options.onLost?.(error);
  };

  constructor(options: AdvisoryLeaseOptions) {
    this.#options = options;
    this.name = options.name;
  }

  get held(): boolean {
    return this.#heldOn !== undefined;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.#heldOn) return true;
    const { session, key } = this.#options;
    const client = await session.tryLock(key, this.#lost);
    if (client && session.holds(client)) this.#heldOn = client;
    return this.held;
  }

  /**
   * Confirms the session is alive (a round trip). A lease whose session died is reported lost
   * here at the latest, so a worker stops the partition's runners within one check interval.
   */
  async check(): Promise<boolean> {
    const client = this.#heldOn;
    if (client && !(await this.#options.session.ping(client))) this.#lost(new Error(`lease ${this.name}: session ended`));
    return this.held;
  }

  /** Gives the lock back; the caller stops the leased work first. */
  async release(): Promise<void> {
    const client = this.#heldOn;
    if (!client) return;
    this.#heldOn = undefined;
    await this.#options.session.unlock(client, this.#options.key, this.#lost);
  }
}
