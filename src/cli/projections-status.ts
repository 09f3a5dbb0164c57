import type { Command } from 'commander';
import { projectionsGroup } from './projection-tools.ts';

/**
 * `pollster projections status`: every checkpoint (whole projections and partitions `name#i/N`)
 * with its position, lag behind the log (events, capped, and the age of the oldest one not
 * applied) and parked events, then who holds the log's horizon if anyone does (postgres store).
 * Read from the database, so it works from any machine.
 */
export function registerStatusCommand(program: Command): void {
  projectionsGroup(program)
    .command('status')
    .description('checkpoint, lag and parked events of every projection (and partition)')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options: { json?: boolean }) => {
      const { printStatus } = await import('./run/projections-status.ts');
      await printStatus(options);
    });
}
