import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { AdvisoryLease } from '../projections/leases/advisory-lease.ts';
import { isLeaseHeld, jobKey, type LeaseKey } from '../projections/leases/lease-keys.ts';
import type { LeaseSession } from '../projections/leases/lease-session.ts';
import { sleep } from '../projections/runner/failures.ts';

/** A background job: one round of work, run every interval by whichever worker holds its lease. */
export interface Job {
  readonly name: string;
  /** One round; must be safe to repeat (a round cut short by a crash is simply run again). */
  run(signal: AbortSignal): Promise<void>;
  /** Its own interval between rounds, where it needs one (default: the worker's JOBS_INTERVAL_MS). */
  readonly intervalMs?: number;
  /** Called once each time this worker takes the lease, before the first round (e.g. clean up after a crashed holder). */
  onAcquired?(): Promise<void>;
}

export interface LeasedJobOptions {
  job: Job;
  /** The worker's lease session, shared by all its leases. */
  session: LeaseSession;
  /** For the pg_locks probe before trying to take the lease. */
  sql: DatabasePool;
  logger: Logger;
  intervalMs: number;
}

/**
 * Runs a job on the worker that holds its advisory-lock lease (`job:<name>`), so exactly one
 * worker runs each job at a time. Workers without the lease try to take it every interval, so a
 * crashed holder's job moves within one interval.
 */
export class LeasedJob {
  readonly #options: LeasedJobOptions;
  readonly #lease: AdvisoryLease;
  readonly #key: LeaseKey;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: LeasedJobOptions) {
    this.#options = options;
    const name = `job:${options.job.name}`;
    this.#key = jobKey(name);
    this.#lease = new AdvisoryLease({ session: options.session, key: this.#key, name, logger: options.logger });
  }

  get name(): string {
    return this.#options.job.name;
  }

  get held(): boolean {
    return this.#lease.held;
  }

  start(): void {
    if (this.#loop) throw new Error(`job ${this.name} already started`);
    this.#loop = this.#run();
  }

  /** Lets the round in flight finish (it sees the aborted signal), then gives the lease back. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#lease.release();
  }

  async #run(): Promise<void> {
    const { job, logger } = this.#options;
    const intervalMs = job.intervalMs ?? this.#options.intervalMs;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        // The probe goes through the pool: a lease held elsewhere costs no round trip on the session.
        if (!this.#lease.held && !(await isLeaseHeld(this.#options.sql, this.#key)) && (await this.#lease.tryAcquire())) {
          logger.info({ job: job.name }, 'job lease taken');
          await job.onAcquired?.();
        }
        if (await this.#lease.check()) await job.run(signal);
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ err: error, job: job.name }, 'job round failed; retrying next interval');
      }
      await sleep(intervalMs, signal);
    }
  }
}
