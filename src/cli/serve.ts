import type { Command } from 'commander';
import { loadConfig } from '../config.ts';

/** `pollster serve [--edge-only]`: a stateless HTTP node; projections run in `pollster worker`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the REST API and the live edge without running projections (run `pollster worker` for those); ' +
        'with --edge-only, only the live edge: liveResults, liveResultsSse, the live page and health',
    )
    .option('--edge-only', 'serve only the live edge (websocket/SSE viewers), not the command API', false)
    .action(async (options: { edgeOnly: boolean }) => {
      // Loaded here for the reason given in start.ts.
      const { startServe } = await import('../runtime/serve.ts');
      await startServe(loadConfig(), { edgeOnly: options.edgeOnly });
    });
}
