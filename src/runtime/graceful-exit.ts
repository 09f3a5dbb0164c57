import closeWithGrace from 'close-with-grace';
import type { FastifyBaseLogger } from 'fastify';

const SHUTDOWN_LIMIT_MS = 15_000;
// Ctrl-C under `npm start` delivers SIGINT twice (the terminal signals the process group, and
// npm forwards its own copy): signals this close to the first are the same request.
const SAME_REQUEST_MS = 2_000;

/**
 * How every long-running Pollster process stops: on SIGTERM or SIGINT it runs `shutdown` (finish
 * what is in flight, close the stores, stop the embedded database last) and exits 0; after an
 * uncaught error it does the same and exits 1; past 15 s it gives up and exits 1. A second
 * signal sent deliberately later (a second Ctrl-C) exits at once.
 */
export function exitGracefully(logger: FastifyBaseLogger, shutdown: () => Promise<void>): void {
  let signalled: { signal: NodeJS.Signals; at: number } | undefined;
  const grace = closeWithGrace(
    {
      delay: SHUTDOWN_LIMIT_MS,
      skip: ['SIGINT', 'SIGTERM'],
      logger: { error: (message: unknown) => logger.error(String(message)) },
      onTimeout: () => logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting`),
    },
    async ({ err }) => {
      if (err) logger.error({ err }, 'stopping after an unexpected error');
      await shutdown();
    },
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (!signalled) {
      signalled = { signal, at: Date.now() };
      logger.info({ signal }, 'shutting down');
      grace.close();
    } else if (Date.now() - signalled.at > SAME_REQUEST_MS) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
