import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';
import { type ApplyOutcome, type ApplyTarget, applyBatch, type RetryPolicy } from './apply.ts';
import { ensureCheckpoint, readCheckpoint } from './checkpoints.ts';
import { sleep } from './failures.ts';
import { PositionWatch, type WaitOptions } from './position-watch.ts';
import { checkpointName, type PostgresProjection, type ProjectionPartition } from './projection.ts';
import { measureLag, type ProjectionStatus } from './status.ts';

export type ProjectionLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface ProjectionRunnerOptions {
  store: EventStore;
  sql: DatabasePool;
  logger: ProjectionLogger;
  projection: PostgresProjection;
  partition?: ProjectionPartition;
  /**
   * Events per transaction when behind (default 500). Kept small on purpose: while a projection
   * transaction runs, readers of the postgres event store cannot read past it.
   */
  batchSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Backoff of restarts after a systemic failure, doubling from min to max (default 200 ms .. 30 s). */
  restartDelayMs?: { min: number; max: number };
}

/**
 * A failure that is not an event's fault restarts the subscription from the committed checkpoint
 * after a backoff, so the runner survives database restarts without skipping anything.
 */
export class ProjectionRunner {
  readonly name: string;
  readonly #options: ProjectionRunnerOptions;
  readonly #target: ApplyTarget;
  readonly #retry: RetryPolicy;
  readonly #watch: PositionWatch;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #restartDelay: number;
  #applied = 0;
  #parked = 0;
  #lastError: { message: string; at: Date } | null = null;

  constructor(options: ProjectionRunnerOptions) {
    this.#options = options;
    this.name = checkpointName(options.projection, options.partition);
    const { partition } = options;
    this.#target = {
      sql: options.sql,
      projection: options.projection,
      name: this.name,
      includes: partition ? (e) => partition.includes(e) : () => true,
    };
    this.#retry = { attempts: options.retry?.attempts ?? 3, baseDelayMs: options.retry?.baseDelayMs ?? 100 };
    this.#restartDelay = this.#restartBounds.min;
    this.#watch = new PositionWatch(this.name);
  }

  get #restartBounds() {
    return this.#options.restartDelayMs ?? { min: 200, max: 30_000 };
  }

  /** Starts the loop in the background; safe to call once. */
  start(): void {
    if (this.#loop) throw new Error(`projection ${this.name} already started`);
    this.#loop = this.#run();
  }

  /** Stops after the batch in flight (its transaction commits or rolls back whole) and fails pending waits. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#watch.rejectAll(new UnavailableError('projection.stopped', `projection ${this.name} stopped`));
  }

  /** Resolves once the log through `position` is applied here (see PositionWatch). */
  waitForPosition(position: bigint, options?: WaitOptions): Promise<void> {
    if (this.#stop.signal.aborted) {
      return Promise.reject(new UnavailableError('projection.stopped', `projection ${this.name} stopped`));
    }
    return this.#watch.wait(position, options);
  }

  async status(): Promise<ProjectionStatus> {
    const checkpoint = await readCheckpoint(this.#options.sql, this.name);
    const through = this.#watch.through > checkpoint ? this.#watch.through : checkpoint;
    return {
      name: this.name,
      categories: this.#options.projection.categories,
      running: this.#loop !== undefined && !this.#stop.signal.aborted,
      checkpoint,
      through,
      lag: await measureLag(this.#options.store, this.#options.projection.categories, through, this.#target.includes),
      appliedSinceStart: this.#applied,
      parkedSinceStart: this.#parked,
      lastError: this.#lastError,
    };
  }

  async #run(): Promise<void> {
    const { logger } = this.#options;
    const { signal } = this.#stop;
    while (!signal.aborted) {
      try {
        await this.#consume(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.#lastError = { message: error instanceof Error ? error.message : String(error), at: new Date() };
        logger.error({ err: error, projection: this.name, retryInMs: this.#restartDelay }, 'projection failed; restarting from its checkpoint');
        await sleep(this.#restartDelay, signal);
        this.#restartDelay = Math.min(this.#restartDelay * 2, this.#restartBounds.max);
      }
    }
  }

  async #consume(signal: AbortSignal): Promise<void> {
    const { store, sql, projection, logger } = this.#options;
    const from = await ensureCheckpoint(sql, this.name);
    this.#watch.advance(from);
    logger.info({ projection: this.name, from: String(from) }, 'projection started');
    // The post-commit fan-out of batch n runs while batch n+1 is read and applied: both cores
    // stay busy. Fan-outs still run one after another in log order, and the watch moves past a
    // batch only once its fan-out is done, so whoever waits for a position (read-your-writes)
    // still finds Redis and the live bus current, not only the read model.
    let fannedOut: Promise<void> = Promise.resolve();
    const advanceAfterFanOut = (through: bigint) => {
      fannedOut = fannedOut.then(() => this.#watch.advance(through));
    };
    const batches = store.subscribeToAll({
      from,
      categories: projection.categories,
      batchSize: this.#options.batchSize ?? 500,
      signal,
      // Called only after the batch before it was applied and committed (see SubscribeOptions).
      onProgress: advanceAfterFanOut,
    });
    try {
      for await (const batch of batches) {
        if (batch.length === 0) continue;
        const outcome = await applyBatch(this.#target, batch, this.#retry, signal, (event, error, attempt) =>
          this.#onFailure(event, error, attempt),
        );
        this.#applied += outcome.applied;
        this.#parked += outcome.parked.length;
        for (const { event, error } of outcome.parked) {
          logger.error(
            { err: error, projection: this.name, position: String(event.position), eventId: event.id, type: event.type },
            'projection parked an event it could not apply',
          );
        }
        fannedOut = fannedOut.then(() => this.#afterCommit(batch, outcome));
        advanceAfterFanOut(outcome.checkpoint);
        this.#restartDelay = this.#restartBounds.min;
      }
    } finally {
      await fannedOut; // #afterCommit never rejects: it logs
    }
  }

  /** The projection's post-commit hook: runs after COMMIT only; a failure is logged, never rethrown. */
  async #afterCommit(batch: readonly RecordedEvent[], outcome: ApplyOutcome): Promise<void> {
    const { projection, sql, logger } = this.#options;
    if (!projection.afterCommit) return;
    const parked = new Set(outcome.parked.map((p) => p.event));
    const committed = batch.filter((e) => this.#target.includes(e) && !parked.has(e));
    if (committed.length === 0) return;
    try {
      await projection.afterCommit(committed, { sql, logger });
    } catch (error) {
      logger.warn({ err: error, projection: this.name, through: String(outcome.checkpoint) }, 'post-commit fan-out failed; the next change republishes');
    }
  }

  #onFailure(event: RecordedEvent | undefined, error: unknown, attempt: number): void {
    this.#options.logger.warn(
      { err: error, projection: this.name, position: event ? String(event.position) : undefined, attempt },
      event ? 'projection event failed; retrying' : 'projection batch failed; retrying event by event',
    );
  }
}
