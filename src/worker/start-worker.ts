import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { SigningKey } from '../audit/signing.ts';
import type { CommandDeps } from '../commands/command-deps.ts';
import type { EventStore } from '../event-store/port.ts';
import type { Config } from '../config.ts';
import { getResults, type PostgresProjection, type ProjectionRunnerOptions, type ProjectionStatus } from '../projections/index.ts';
import { LeaseSession } from '../projections/leases/lease-session.ts';
import { PartitionLeases } from '../projections/leases/partition-leases.ts';
import { archiveJob, type ResultsQuery } from './jobs/archive/archive-job.ts';
import { oldestOpenWrite } from '../db/open-writes.ts';
import { auditCheckpointsJob } from './jobs/audit-checkpoints.ts';
import { logHorizonJob } from './jobs/log-horizon.ts';
import { milestonesJob } from './jobs/milestones.ts';
import { pollScheduleJob } from './jobs/poll-schedule.ts';
import { webhooksJob } from './jobs/webhooks/webhooks-job.ts';
import { webhookTargets } from '../adapters/webhook-targets.ts';
import { type Job, LeasedJob } from './leased-job.ts';
import { PartitionedProjections } from './partitioned-projections.ts';

export type WorkerConfig = Pick<
  Config,
  | 'PROJECTION_PARTITIONS'
  | 'LEASE_RETRY_MS'
  | 'JOBS_INTERVAL_MS'
  | 'ARCHIVE_AFTER_DAYS'
  | 'ARCHIVE_DIR'
  | 'WEBHOOK_TIMEOUT_MS'
  | 'WEBHOOK_MAX_ATTEMPTS'
  | 'WEBHOOK_RETRY_BASE_MS'
  | 'AUDIT_CHECKPOINT_EVENTS'
  | 'AUDIT_CHECKPOINT_SECONDS'
  | 'AUDIT_CHECKPOINT_INTERVAL_MS'
  | 'EVENT_STORE'
  | 'LOG_HORIZON_WARN_SECONDS'
  | 'dataDir'
>;

const JOB_NAMES = ['poll-schedule', 'milestones', 'webhooks', 'archival', 'audit-checkpoints', 'log-horizon'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The ports a worker runs on (the process's services, src/runtime/services.ts, have them all). */
export interface WorkerServices {
  store: EventStore;
  sql: DatabasePool;
  /** For the leases' session, which must stay on one connection of its own (advisory locks). */
  databaseUrl: string;
  commands: CommandDeps;
  secrets: { auditKey: SigningKey };
}

export interface StartWorkerOptions {
  /** Built with runProjections: false; the worker runs its own, partitioned. */
  services: WorkerServices;
  config: WorkerConfig;
  logger: Logger;
  /** `--partitions N` (default PROJECTION_PARTITIONS) and `--partition i` (pin one, no re-balancing). */
  partitions?: { count?: number; pinned?: number };
  /** Which background jobs this worker competes for (default all; [] = projections only). */
  jobs?: readonly JobName[];
  /**
   * false: jobs only, no partition leases (the single-process mode, which runs its projections
   * unpartitioned through createServices). Default true.
   */
  runProjections?: boolean;
  /** Default POSTGRES_PROJECTIONS; tests pass their own. */
  projections?: readonly PostgresProjection[];
  runner?: Pick<ProjectionRunnerOptions, 'batchSize' | 'retry' | 'restartDelayMs'>;
  /** Final results for archive bundles (default getResults, the `results` read model). */
  results?: ResultsQuery;
  /**
   * Called when this worker takes a partition over: the Redis results of a worker that died
   * between its commit and its Redis write are caught up then (src/runtime/live.ts).
   */
  onPartitionTaken?: (index: number) => void;
}

export interface Worker {
  partitions(): number[];
  jobs(): string[];
  status(): Promise<ProjectionStatus[]>;
  /** Stops jobs and runners after their work in flight, then gives every lease back. */
  stop(): Promise<void>;
}

/**
 * `pollster worker`: the projections of the partitions this worker holds a lease on, and the
 * background jobs whose lease it holds. Any number of workers share one database; leases
 * (src/projections/leases) make sure no partition and no job runs twice.
 */
export function startWorker(options: StartWorkerOptions): Worker {
  const { services, config, logger } = options;
  const count = options.partitions?.count ?? config.PROJECTION_PARTITIONS;
  const projections = new PartitionedProjections({
    store: services.store,
    sql: services.sql,
    logger: logger.child({ component: 'projections' }),
    count,
    ...(options.projections ? { projections: options.projections } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
  });
  // One connection holds every lock of this worker: presence, partitions and jobs.
  const session = new LeaseSession({ databaseUrl: services.databaseUrl, logger: logger.child({ component: 'leases' }) });
  const leases = new PartitionLeases({
    session,
    sql: services.sql,
    logger: logger.child({ component: 'leases' }),
    count,
    ...(options.partitions?.pinned !== undefined ? { pinned: options.partitions.pinned } : {}),
    retryMs: config.LEASE_RETRY_MS,
    onAcquired: async (index) => {
      await projections.start(index);
      options.onPartitionTaken?.(index);
    },
    onReleased: (index) => projections.stop(index),
  });
  const jobs = buildJobs(options).map(
    (job) =>
      new LeasedJob({
        job,
        session,
        sql: services.sql,
        logger: logger.child({ component: 'jobs' }),
        intervalMs: config.JOBS_INTERVAL_MS,
      }),
  );
  const runProjections = options.runProjections ?? true;
  if (runProjections) leases.start();
  for (const job of jobs) job.start();
  // Without partition leases (`pollster start`'s jobs), a partition count would describe nothing it runs.
  const partitioning = runProjections ? { partitions: count, pinned: options.partitions?.pinned } : {};
  logger.info({ ...partitioning, jobs: jobs.map((j) => j.name) }, 'worker started');
  return {
    partitions: () => projections.running(),
    jobs: () => jobs.filter((j) => j.held).map((j) => j.name),
    status: () => projections.status(),
    async stop() {
      await Promise.all([...(runProjections ? [leases.stop()] : []), ...jobs.map((j) => j.stop())]);
      await session.close();
      await projections.stopAll();
      logger.info('worker stopped');
    },
  };
}

function buildJobs(options: StartWorkerOptions): Job[] {
  const { services, config, logger } = options;
  const wanted = new Set<JobName>(options.jobs ?? JOB_NAMES);
  const log = (job: JobName) => logger.child({ component: 'jobs', job });
  const all: Record<JobName, () => Job> = {
    'poll-schedule': () => pollScheduleJob({ sql: services.sql, commands: services.commands, logger: log('poll-schedule') }),
    milestones: () => milestonesJob({ sql: services.sql, commands: services.commands, logger: log('milestones') }),
    webhooks: () =>
      webhooksJob({
        sql: services.sql,
        logger: log('webhooks'),
        now: services.commands.now,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        retry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, baseDelayMs: config.WEBHOOK_RETRY_BASE_MS },
        targets: services.commands.webhookTargets ?? webhookTargets(),
      }),
    archival: () =>
      archiveJob({
        sql: services.sql,
        store: services.store,
        logger: log('archival'),
        now: services.commands.now,
        dir: config.ARCHIVE_DIR ?? join(config.dataDir, 'archive'),
        afterDays: config.ARCHIVE_AFTER_DAYS,
        results: options.results ?? getResults,
      }),
    'audit-checkpoints': () =>
      auditCheckpointsJob({
        sql: services.sql,
        store: services.store,
        key: services.secrets.auditKey,
        logger: log('audit-checkpoints'),
        now: services.commands.now,
        everyEvents: config.AUDIT_CHECKPOINT_EVENTS,
        everySeconds: config.AUDIT_CHECKPOINT_SECONDS,
        intervalMs: config.AUDIT_CHECKPOINT_INTERVAL_MS,
      }),
    'log-horizon': () =>
      logHorizonJob({
        oldest: () => oldestOpenWrite(services.sql),
        logger: log('log-horizon'),
        warnAfterSeconds: config.LOG_HORIZON_WARN_SECONDS,
      }),
  };
  // The horizon is the postgres store's: EventStoreDB readers have none.
  if (config.EVENT_STORE !== 'postgres') wanted.delete('log-horizon');
  return JOB_NAMES.filter((name) => wanted.has(name)).map((name) => all[name]());
}
