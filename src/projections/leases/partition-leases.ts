import { randomInt } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { sleep } from '../runner/failures.ts';
import type { ProjectionLogger } from '../runner/runner.ts';
import { AdvisoryLease } from './advisory-lease.ts';
import { partitionKey, probeLeases, workerKey } from './lease-keys.ts';
import type { LeaseSession } from './lease-session.ts';
import { partitionId } from './partitions.ts';

export interface PartitionLeasesOptions {
  /** The worker's lease session (its jobs' leases share it). */
  session: LeaseSession;
  /** Pool for the pg_locks probe (no session needed). */
  sql: DatabasePool;
  logger: ProjectionLogger;
  /** N: how many partitions the poll ids are split into. Every worker must agree on it. */
  count: number;
  /** Hold only this partition (waiting while another worker has it) and never re-balance. */
  pinned?: number;
  /** How often to check held leases and re-balance (default 2 s). */
  retryMs?: number;
  onAcquired(index: number): Promise<void>;
  /** Stop the partition's work; awaited before the lock is given back, or after it was lost. */
  onReleased(index: number): Promise<void>;
}

/**
 * Shares N partitions among the workers running against one database. Each tick a worker checks
 * its leases, counts the live workers (sessions holding a worker presence lock, read from
 * pg_locks), and moves towards holding ceil(N / live): it gives extra partitions back (work
 * stopped first, then the lock released) and tries free ones. A new worker therefore receives
 * partitions within two ticks, and a crashed worker's partitions are taken within one.
 *
 * Pinned workers (`--partition i`) take no presence lock, so the others do not count them and
 * still cover every partition the pinned ones leave free.
 */
export class PartitionLeases {
  readonly #options: PartitionLeasesOptions;
  readonly #held = new Map<number, AdvisoryLease>();
  readonly #stop = new AbortController();
  readonly #presence: AdvisoryLease | undefined;
  // Where this worker starts looking for free partitions, so simultaneous starters do not all
  // race for partition 0 first.
  readonly #offset: number;
  #loop: Promise<void> | undefined;
  #warnedLayout = false;

  constructor(options: PartitionLeasesOptions) {
    this.#options = options;
    const { count, pinned } = options;
    if (pinned !== undefined && (!Number.isInteger(pinned) || pinned < 0 || pinned >= count)) {
      throw new RangeError(`--partition ${pinned} is not one of 0..${count - 1}`);
    }
    this.#offset = randomInt(count);
    this.#presence =
      pinned === undefined
        ? new AdvisoryLease({
            session: options.session,
            key: workerKey(randomInt(1, 2 ** 31 - 1)),
            name: 'worker presence',
            logger: options.logger,
          })
        : undefined;
  }

  held(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  start(): void {
    if (this.#loop) throw new Error('partition leases already started');
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await Promise.all(this.held().map((index) => this.#release(index)));
    await this.#presence?.release();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#tick();
      } catch (error) {
        // The database is away: keep what is held (each lease notices its own loss) and try again.
        this.#options.logger.warn({ err: error }, 'partition lease round failed; retrying');
      }
      await sleep(this.#options.retryMs ?? 2_000, signal);
    }
  }

  async #tick(): Promise<void> {
    for (const [index, lease] of this.#held) {
      if (!(await lease.check())) await this.#forget(index);
    }
    const { count, pinned } = this.#options;
    if (pinned !== undefined) {
      if (!this.#held.has(pinned)) await this.#tryTake(pinned);
      return;
    }
    // Re-taken after a lost connection. Fails only if another worker drew the same random id; the
    // count below then adds this worker by hand.
    await this.#presence!.tryAcquire();
    const probe = await probeLeases(this.#options.sql);
    const foreign = probe.partitions.filter((p) => p.count !== count);
    if (foreign.length > 0) {
      if (!this.#warnedLayout) {
        this.#options.logger.error(
          { partitions: count, others: [...new Set(foreign.map((p) => p.count))] },
          'other workers use a different PROJECTION_PARTITIONS; taking no partitions until they stop',
        );
      }
      this.#warnedLayout = true;
      return;
    }
    this.#warnedLayout = false;
    const live = Math.max(1, probe.liveWorkers + (this.#presence!.held ? 0 : 1));
    const target = Math.ceil(count / live);
    // Give back the highest first: deterministic, and keeps low partitions (0 has the user streams) stable.
    for (const index of this.held().reverse().slice(0, Math.max(0, this.#held.size - target))) {
      this.#options.logger.info({ partition: partitionId(index, count), live, target }, 'giving a partition back to re-balance');
      await this.#release(index);
    }
    const taken = new Set(probe.partitions.map((p) => p.index));
    for (let step = 0; step < count && this.#held.size < target && !this.#stop.signal.aborted; step++) {
      const index = (this.#offset + step) % count;
      if (!taken.has(index) && !this.#held.has(index)) await this.#tryTake(index);
    }
  }

  async #tryTake(index: number): Promise<void> {
    const { count, session, logger } = this.#options;
    const name = `partition ${partitionId(index, count)}`;
    const lease: AdvisoryLease = new AdvisoryLease({
      session,
      key: partitionKey(index, count),
      name,
      logger,
      // Lost between ticks (connection killed): stop the work at once rather than at the next check.
      onLost: () => {
        if (this.#held.get(index) === lease) void this.#forget(index);
      },
    });
    if (!(await lease.tryAcquire())) return;
    this.#held.set(index, lease);
    logger.info({ partition: partitionId(index, count) }, 'partition lease taken');
    try {
      await this.#options.onAcquired(index);
    } catch (error) {
      logger.error({ err: error, partition: partitionId(index, count) }, 'could not start a partition; giving it back');
      await this.#release(index);
    }
  }

  async #release(index: number): Promise<void> {
    const lease = this.#held.get(index);
    if (!lease) return;
    this.#held.delete(index);
    await this.#options.onReleased(index).catch((error: unknown) => this.#options.logger.error({ err: error }, 'stopping a partition failed'));
    await lease.release();
  }

  /** The lock is already gone: only stop the work (another worker may have started it). */
  async #forget(index: number): Promise<void> {
    if (!this.#held.delete(index)) return;
    await this.#options.onReleased(index).catch((error: unknown) => this.#options.logger.error({ err: error }, 'stopping a partition failed'));
  }
}
