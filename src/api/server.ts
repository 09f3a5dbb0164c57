import type { FastifyInstance } from 'fastify';

/**
 * The only place that opens a port. On SIGTERM/SIGINT it stops accepting connections, lets
 * in-flight requests finish, then runs the given shutdown (close stores, stop the embedded
 * database) and exits 0.
 */
export async function listen(
  app: FastifyInstance,
  options: { host: string; port: number; onShutdown: () => Promise<void> },
): Promise<string> {
  const address = await app.listen({ host: options.host, port: options.port });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      app.log.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    try {
      await app.close();
      await options.onShutdown();
      clearTimeout(forced);
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return address;
}
