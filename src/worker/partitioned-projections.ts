import { POSTGRES_PROJECTIONS, ProjectionRunner, type ProjectionStatus, type StartProjectionsOptions } from '../projections/index.ts';
import { pollPartition } from '../projections/leases/partitions.ts';

/** What startProjections takes, plus the partition count. */
export interface PartitionedProjectionsOptions extends StartProjectionsOptions {
  count: number;
}

/**
 * The projection runners of the partitions a worker holds: one ProjectionRunner per partition,
 * running every projection with the partition predicate, each with its own checkpoint (`name#i/N`). Started when
 * the lease is taken, stopped (after the batch in flight) when it is given back or lost.
 */
export class PartitionedProjections {
  readonly #options: PartitionedProjectionsOptions;
  readonly #running = new Map<number, ProjectionRunner>();
  // A partition lost and re-taken quickly must not run old and new runners side by side.
  readonly #stopping = new Map<number, Promise<void>>();

  constructor(options: PartitionedProjectionsOptions) {
    this.#options = options;
  }

  async start(index: number): Promise<void> {
    await this.#stopping.get(index);
    if (this.#running.has(index)) return;
    const { store, sql, logger, count, runner } = this.#options;
    const partition = pollPartition(index, count);
    // The partition's projections together: one subscription and one transaction per batch.
    const partitionRunner = new ProjectionRunner({ store, sql, logger, projections: this.#options.projections ?? POSTGRES_PROJECTIONS, partition, ...runner });
    this.#running.set(index, partitionRunner);
    partitionRunner.start();
  }

  async stop(index: number): Promise<void> {
    const partitionRunner = this.#running.get(index);
    if (!partitionRunner) return this.#stopping.get(index);
    this.#running.delete(index);
    const stopped = partitionRunner.stop();
    this.#stopping.set(index, stopped);
    try {
      await stopped;
    } finally {
      if (this.#stopping.get(index) === stopped) this.#stopping.delete(index);
    }
  }

  running(): number[] {
    return [...this.#running.keys()].sort((a, b) => a - b);
  }

  status(): Promise<ProjectionStatus[]> {
    return Promise.all([...this.#running.values()].map((r) => r.statuses())).then((all) => all.flat());
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((index) => this.stop(index)));
  }
}
