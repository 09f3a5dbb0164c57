import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Ctrl-C or SIGTERM in the middle of a bench: what it started is stopped and what it created is
 * removed (its servers in sessions of their own, its throwaway databases) before it exits with the
 * signal's code, as at a normal end. The cleanups get a bounded time together, so an interrupt
 * never hangs; a second Ctrl-C ends the bench at once.
 */
const CLEANUP_LIMIT_MS = 5_000;
const cleanups = new Set<() => unknown>();

/** Runs `cleanup` if the bench is interrupted; the function returned takes it back. */
export function onInterrupt(cleanup: () => unknown): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, async () => {
    // The run's own failures from here on are the servers going away: they must not end the bench
    // (exit 1, a stack trace) before its databases are dropped.
    process.on('uncaughtException', () => {});
    process.on('unhandledRejection', () => {});
    const running = [...cleanups].map(async (cleanup) => cleanup());
    await Promise.race([Promise.allSettled(running), sleep(CLEANUP_LIMIT_MS)]);
    process.exit(code);
  });
}
