import type { DatabasePool } from 'slonik';
import type { EventStore } from '../event-store/port.ts';
import { UnavailableError } from '../domain/shared/errors.ts';
import type { PostgresProjection } from './runner/projection.ts';
import type { WaitOptions } from './runner/position-watch.ts';
import { ProjectionRunner, type ProjectionLogger, type ProjectionRunnerOptions } from './runner/runner.ts';
import type { ProjectionStatus } from './runner/status.ts';
import { pollsCatalog } from './polls-catalog/projection.ts';
import { analytics } from './analytics/projection.ts';
import { results } from './results/projection.ts';

export const POSTGRES_PROJECTIONS: readonly PostgresProjection[] = [pollsCatalog, analytics, results];

export interface StartProjectionsOptions {
  store: EventStore;
  sql: DatabasePool;
  logger: ProjectionLogger;
  /** Defaults to every projection above; tests pass their own. */
  projections?: readonly PostgresProjection[];
  /** Tuning passed to every runner (batch size, retries, restart backoff). */
  runner?: Pick<ProjectionRunnerOptions, 'batchSize' | 'retry' | 'restartDelayMs'>;
}

export interface Projections {
  /**
   * Resolves when every projection (or the named one) has applied the log through `position`
   * (read-your-writes after a command). Rejects with UnavailableError `projection.timeout` (503)
   * after `timeoutMs` (default 10 s).
   */
  waitForPosition(position: bigint, options?: WaitOptions & { projection?: string }): Promise<void>;
  status(): Promise<ProjectionStatus[]>;
  stop(): Promise<void>;
}

/**
 * The projections run together by one runner (one subscription, one transaction per batch for
 * all of them, see ProjectionRunner); waits and statuses stay per projection.
 */
export function startProjections(options: StartProjectionsOptions): Projections {
  const runner = new ProjectionRunner({ store: options.store, sql: options.sql, logger: options.logger, projections: options.projections ?? POSTGRES_PROJECTIONS, ...options.runner });
  runner.start();
  return {
    async waitForPosition(position, { projection, ...wait } = {}) {
      const targets = projection === undefined ? runner.members : runner.members.filter((m) => m.name === projection);
      if (targets.length === 0) throw new UnavailableError('projection.unknown', `no projection named ${projection} runs here`);
      await Promise.all(targets.map((m) => m.waitForPosition(position, wait)));
    },
    status: () => runner.statuses(),
    stop: () => runner.stop(),
  };
}

export { ProjectionRunner, type ProjectionLogger, type ProjectionRunnerOptions } from './runner/runner.ts';
export { resetProjection } from './runner/reset.ts';
export { READ_SCHEMA, useSchema } from './runner/search-path.ts';
export { checkpointName, type PostgresProjection, type ProjectionPartition } from './runner/projection.ts';
export type { WaitOptions } from './runner/position-watch.ts';
export type { ProjectionLag, ProjectionStatus } from './runner/status.ts';
export { POLLS_CATALOG, pollsCatalog } from './polls-catalog/projection.ts';
export { ANALYTICS, analytics } from './analytics/projection.ts';
export { RESULTS, results } from './results/projection.ts';
export * from './queries.ts';
