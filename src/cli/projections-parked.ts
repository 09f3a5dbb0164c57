import type { Command } from 'commander';
import { checkProjectionName, PROJECTION_LIST, projectionsGroup } from './projection-tools.ts';

/**
 * `pollster projections parked` and `pollster projections replay-parked`: the events projections
 * could not apply (src/projections/runner/apply.ts parks them after retries), and applying them
 * again once the cause is fixed. One concern, two verbs: look, then act.
 */
export function registerParkedCommands(program: Command): void {
  const group = projectionsGroup(program);
  group
    .command('parked')
    .description('list parked events (projection, position, stream, type, error, parked_at), oldest position first')
    .option('--projection <name>', `only this projection and its partitions (${PROJECTION_LIST})`)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options: { projection?: string; json?: boolean }, command: Command) => {
      if (options.projection !== undefined) checkProjectionName(command, options.projection);
      const { listParkedEvents } = await import('./run/projections-parked.ts');
      await listParkedEvents(options);
    });

  group
    .command('replay-parked')
    .description('apply parked events again through their projection, in position order, each in its own transaction; ' +
      'a success removes the parked row, a failure keeps it. Exit code 1 if any still fails')
    .option('--projection <name>', `only this projection and its partitions (${PROJECTION_LIST})`)
    .action(async (options: { projection?: string }, command: Command) => {
      if (options.projection !== undefined) checkProjectionName(command, options.projection);
      const { replayParkedEvents } = await import('./run/projections-parked.ts');
      process.exitCode = await replayParkedEvents(options);
    });
}
