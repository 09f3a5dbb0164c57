import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import { OperatorError } from '../operator-error.ts';

export class PortInUseError extends OperatorError {
  constructor(host: string, port: number) {
    super(`${host}:${port} is in use by another program: stop it, or set PORT (and HOST) to a free address`);
  }
}

/**
 * Called before anything else starts, so a taken port is reported at once and no database is
 * started or migrated for a server that cannot listen.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port) : new OperatorError(`cannot listen on ${host}:${port}: ${error.message}`)),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * The only place that opens a port. On SIGTERM/SIGINT it stops accepting connections, lets
 * in-flight requests finish, then runs the given shutdown (close stores, stop the embedded
 * database) and exits 0. If the port was taken since the check, the shutdown runs at once.
 * `exitGracefully` is how every long-running process stops (src/runtime/graceful-exit.ts: the
 * signals, the time limit), passed in by the process that listens.
 */
export async function listen(
  app: FastifyInstance,
  options: {
    host: string;
    port: number;
    onShutdown: () => Promise<void>;
    exitGracefully: (logger: FastifyBaseLogger, shutdown: () => Promise<void>) => void;
  },
): Promise<string> {
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    await options.onShutdown();
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port) : error;
  }
  options.exitGracefully(app.log, async () => {
    await app.close();
    await options.onShutdown();
  });
  return address;
}
