import { BackendTerminatedError, BackendTerminatedUnexpectedlyError, ConnectionError, IdleTransactionTimeoutError, StatementTimeoutError } from 'slonik';

/**
 * Tells a poison event from a sick system. Only the first may be parked: parking every event
 * because the database restarted (or a migration is missing) would empty a read model.
 *
 * Poison candidates: errors thrown by handler code itself (a TypeError on an unexpected event
 * shape) and PostgreSQL data errors about the row being written (SQLSTATE class 22 data
 * exception, 23 integrity constraint violation). Everything else that comes from the database or
 * the network (connection loss, timeouts, serialization failures, undefined tables) is systemic:
 * the runner backs off and retries the same batch from its checkpoint, and parks nothing.
 */
export function isPoisonCandidate(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (
      e instanceof ConnectionError ||
      e instanceof BackendTerminatedError ||
      e instanceof BackendTerminatedUnexpectedlyError ||
      e instanceof IdleTransactionTimeoutError ||
      e instanceof StatementTimeoutError
    ) {
      return false;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      // A SQLSTATE is five characters; anything else (ECONNRESET, ETIMEDOUT, ...) is the network.
      if (!/^[0-9A-Z]{5}$/.test(code)) return false;
      return code.startsWith('22') || code.startsWith('23');
    }
  }
  return true;
}

/** Resolves after `ms`, or at once when the signal aborts (stopping never waits on a backoff). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
