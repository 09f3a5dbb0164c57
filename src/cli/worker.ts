import { type Command, InvalidArgumentError } from 'commander';

const nonNegativeInteger = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/** `pollster worker`: projections of the partitions it holds a lease on, plus the background jobs. */
export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description(
      'run projections and background jobs (open/close at startsAt/endsAt, milestone webhooks, archival, audit checkpoints, log-horizon warnings). ' +
        'Start as many as you like against one database: they share the partitions through PostgreSQL advisory locks',
    )
    .option('--partitions <n>', 'number of poll-id partitions (default PROJECTION_PARTITIONS); the same on every worker', nonNegativeInteger)
    .option('--partition <i>', 'hold only partition i (0..n-1) and do not re-balance', nonNegativeInteger)
    .action(async (options: { partitions?: number; partition?: number }) => {
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig();
      const count = options.partitions ?? config.PROJECTION_PARTITIONS;
      if (count < 1 || count > 1024) command.error('error: --partitions must be 1..1024');
      if (options.partition !== undefined && options.partition >= count) {
        command.error(`error: --partition must be 0..${count - 1}`);
      }
      const { runWorkerProcess } = await import('../runtime/run-worker.ts');
      await runWorkerProcess(config, { count, ...(options.partition !== undefined ? { pinned: options.partition } : {}) });
    });
}
