import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';
import { type ApplyOutcome, type ApplyTarget, applyBatchTogether, type RetryPolicy } from './apply.ts';
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
  /** One projection; or `projections`: several of the same categories, applied together. */
  projection?: PostgresProjection;
  /**
   * Projections run together: one subscription, and one transaction per batch for all of them
   * (each keeps its own checkpoint, status and waits). They must read the same categories.
   */
  projections?: readonly PostgresProjection[];
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

/** One projection of a runner: its checkpoint key, what it has applied, and who waits for it. */
export class ProjectionMember {
  readonly name: string;
  readonly target: ApplyTarget;
  readonly watch: PositionWatch;
  applied = 0;
  parked = 0;
  lastError: { message: string; at: Date } | null = null;
  readonly #runner: ProjectionRunner;

  constructor(runner: ProjectionRunner, projection: PostgresProjection, sql: DatabasePool, partition: ProjectionPartition | undefined) {
    this.#runner = runner;
    this.name = checkpointName(projection, partition);
    this.target = { sql, projection, name: this.name, includes: partition ? (e) => partition.includes(e) : () => true };
    this.watch = new PositionWatch(this.name);
  }

  /** Resolves once the log through `position` is applied here (see PositionWatch). */
  waitForPosition(position: bigint, options?: WaitOptions): Promise<void> {
    if (this.#runner.stopped) return Promise.reject(new UnavailableError('projection.stopped', `projection ${this.name} stopped`));
    return this.watch.wait(position, options);
  }

  async status(store: EventStore): Promise<ProjectionStatus> {
    const checkpoint = await readCheckpoint(this.target.sql, this.name);
    const through = this.watch.through > checkpoint ? this.watch.through : checkpoint;
    return {
      name: this.name,
      categories: this.target.projection.categories,
      running: this.#runner.running,
      checkpoint,
      through,
      lag: await measureLag(store, this.target.projection.categories, through, this.target.includes),
      appliedSinceStart: this.applied,
      parkedSinceStart: this.parked,
      lastError: this.lastError,
    };
  }
}

/**
 * Keeps projections up to date with the log. A failure that is not an event's fault restarts the
 * subscription from the committed checkpoints after a backoff, so the runner survives database
 * restarts without skipping anything. Several projections run together share the subscription
 * and each batch's transaction: per batch one BEGIN, one COMMIT and one WAL flush instead of one
 * each, on the path every ballot takes.
 */
export class ProjectionRunner {
  /** The projection's checkpoint key; for projections run together, their keys joined with `+`. */
  readonly name: string;
  readonly members: readonly ProjectionMember[];
  readonly #options: ProjectionRunnerOptions;
  readonly #retry: RetryPolicy;
  readonly #categories: readonly string[];
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #restartDelay: number;

  constructor(options: ProjectionRunnerOptions) {
    this.#options = options;
    const projections = options.projections ?? (options.projection ? [options.projection] : []);
    if (projections.length === 0) throw new Error('a projection runner needs a projection');
    const categories = [...projections[0]!.categories].sort();
    for (const p of projections) {
      if ([...p.categories].sort().join() !== categories.join()) throw new Error(`projections run together must read the same categories: ${p.name} does not`);
    }
    this.#categories = projections[0]!.categories;
    this.members = projections.map((p) => new ProjectionMember(this, p, options.sql, options.partition));
    this.name = this.members.map((m) => m.name).join('+');
    this.#retry = { attempts: options.retry?.attempts ?? 3, baseDelayMs: options.retry?.baseDelayMs ?? 100 };
    this.#restartDelay = this.#restartBounds.min;
  }

  get #restartBounds() {
    return this.#options.restartDelayMs ?? { min: 200, max: 30_000 };
  }

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  get running(): boolean {
    return this.#loop !== undefined && !this.#stop.signal.aborted;
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
    for (const m of this.members) m.watch.rejectAll(new UnavailableError('projection.stopped', `projection ${m.name} stopped`));
  }

  /** Resolves once every projection here has applied the log through `position`. */
  async waitForPosition(position: bigint, options?: WaitOptions): Promise<void> {
    await Promise.all(this.members.map((m) => m.waitForPosition(position, options)));
  }

  /** The status of the (first) projection; `statuses()` for each of projections run together. */
  async status(): Promise<ProjectionStatus> {
    return this.members[0]!.status(this.#options.store);
  }

  statuses(): Promise<ProjectionStatus[]> {
    return Promise.all(this.members.map((m) => m.status(this.#options.store)));
  }

  async #run(): Promise<void> {
    const { logger } = this.#options;
    const { signal } = this.#stop;
    while (!signal.aborted) {
      try {
        await this.#consume(signal);
      } catch (error) {
        if (signal.aborted) break;
        const lastError = { message: error instanceof Error ? error.message : String(error), at: new Date() };
        for (const m of this.members) m.lastError = lastError;
        logger.error({ err: error, projection: this.name, retryInMs: this.#restartDelay }, 'projection failed; restarting from its checkpoint');
        await sleep(this.#restartDelay, signal);
        this.#restartDelay = Math.min(this.#restartDelay * 2, this.#restartBounds.max);
      }
    }
  }

  async #consume(signal: AbortSignal): Promise<void> {
    const { store, sql, logger } = this.#options;
    // From the checkpoint furthest behind: each projection skips what it has already applied
    // (applyTogether filters by its own locked checkpoint).
    let from: bigint | undefined;
    for (const m of this.members) {
      const checkpoint = await ensureCheckpoint(sql, m.name);
      m.watch.advance(checkpoint);
      if (from === undefined || checkpoint < from) from = checkpoint;
    }
    logger.info({ projection: this.name, from: String(from) }, 'projection started');
    // The post-commit fan-out of batch n runs while batch n+1 is read and applied: both cores
    // stay busy. Fan-outs still run one after another in log order, and the watch moves past a
    // batch only once its fan-out is done, so whoever waits for a position (read-your-writes)
    // still finds Redis and the live bus current, not only the read model.
    let fannedOut: Promise<void> = Promise.resolve();
    const advanceAfterFanOut = (through: bigint, members: readonly ProjectionMember[] = this.members) => {
      fannedOut = fannedOut.then(() => {
        for (const m of members) m.watch.advance(through);
      });
    };
    const batches = store.subscribeToAll({
      from: from!,
      categories: this.#categories,
      batchSize: this.#options.batchSize ?? 500,
      signal,
      // Called only after the batch before it was applied and committed (see SubscribeOptions).
      onProgress: (through) => advanceAfterFanOut(through),
    });
    try {
      for await (const batch of batches) {
        if (batch.length === 0) continue;
        const outcomes = await applyBatchTogether(this.members.map((m) => m.target), batch, this.#retry, signal, (target, event, error, attempt) =>
          this.#onFailure(target, event, error, attempt),
        );
        this.members.forEach((m, i) => {
          const outcome = outcomes[i]!;
          m.applied += outcome.applied;
          m.parked += outcome.parked.length;
          for (const { event, error } of outcome.parked) {
            logger.error(
              { err: error, projection: m.name, position: String(event.position), eventId: event.id, type: event.type },
              'projection parked an event it could not apply',
            );
          }
          fannedOut = fannedOut.then(() => this.#afterCommit(m, batch, outcome));
          advanceAfterFanOut(outcome.checkpoint, [m]);
        });
        this.#restartDelay = this.#restartBounds.min;
      }
    } finally {
      await fannedOut; // #afterCommit never rejects: it logs
    }
  }

  /** The projection's post-commit hook: runs after COMMIT only; a failure is logged, never rethrown. */
  async #afterCommit(member: ProjectionMember, batch: readonly RecordedEvent[], outcome: ApplyOutcome): Promise<void> {
    const { sql, logger } = this.#options;
    const { projection, includes } = member.target;
    if (!projection.afterCommit) return;
    const parked = new Set(outcome.parked.map((p) => p.event));
    const committed = batch.filter((e) => includes(e) && !parked.has(e));
    if (committed.length === 0) return;
    try {
      await projection.afterCommit(committed, { sql, logger });
    } catch (error) {
      logger.warn({ err: error, projection: member.name, through: String(outcome.checkpoint) }, 'post-commit fan-out failed; the next change republishes');
    }
  }

  #onFailure(target: ApplyTarget, event: RecordedEvent | undefined, error: unknown, attempt: number): void {
    this.#options.logger.warn(
      { err: error, projection: target.name, position: event ? String(event.position) : undefined, attempt },
      event ? 'projection event failed; retrying' : 'projection batch failed; retrying event by event',
    );
  }
}
