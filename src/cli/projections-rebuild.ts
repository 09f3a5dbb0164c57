import { type Command, InvalidArgumentError } from 'commander';
import { checkProjectionName, PROJECTION_LIST, projectionsGroup } from './projection-tools.ts';

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

/**
 * `pollster projections rebuild <name>`: replays the log into fresh tables and swaps them in
 * without downtime (src/projections/rebuild). Safe while workers and the API run: they keep
 * serving and writing the live tables until the swap's one short transaction. Ctrl-C stops it
 * and drops the fresh tables; the live ones are never touched before the swap.
 */
export function registerRebuildCommand(program: Command): void {
  projectionsGroup(program)
    .command('rebuild')
    .description(`replay the whole log into fresh tables and swap them in without downtime (projections: ${PROJECTION_LIST})`)
    .argument('<name>', 'the projection to rebuild')
    .option('--batch-size <n>', 'events per read (cut by poll into --concurrency transactions)', positiveInteger, 10_000)
    .option('--concurrency <n>', 'transactions applied side by side (each with its own polls)', positiveInteger, 2)
    .action(async (name: string, options: { batchSize: number; concurrency: number }, command: Command) => {
      checkProjectionName(command, name);
      const { rebuild } = await import('./run/projections-rebuild.ts');
      process.exitCode = await rebuild(name, options);
    });
}
