import { Worker } from 'node:worker_threads';
import { UnavailableError } from '../domain/shared/errors.ts';
import type { Projections, ProjectionStatus, WaitOptions } from '../projections/index.ts';
import type { Config } from '../config.ts';
import type { LogFormat } from './logger.ts';

/** WORKER_THREAD=auto: where NATS carries the live results from the thread to the API's viewers. */
export function usesWorkerThread(config: Pick<Config, 'WORKER_THREAD' | 'NATS_URL'>): boolean {
  return config.WORKER_THREAD === 'on' || (config.WORKER_THREAD === 'auto' && config.NATS_URL !== undefined);
}

/** What the thread is started with (src/runtime/worker-thread-entry.ts). */
export interface WorkerThreadData {
  /** The database the main thread opened (embedded or DATABASE_URL) and migrated. */
  databaseUrl: string;
  /** The main thread's, resolved: a worker thread's stdout is never a terminal. */
  logFormat: LogFormat;
}

export type ToThread =
  | { type: 'wait'; id: number; position: bigint; timeoutMs?: number; projection?: string }
  | { type: 'status'; id: number }
  | { type: 'stop' };

export type FromThread =
  | { type: 'ready' }
  | { type: 'answer'; id: number; value?: ProjectionStatus[] }
  | { type: 'failed'; id: number; error: { kind?: string; code?: string; message: string } }
  | { type: 'stopped'; error?: string };

// As long as the whole process has to stop (graceful-exit.ts): the rest is the thread's own shutdown.
const STOP_LIMIT_MS = 12_000;

interface Ask {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The worker half of `pollster start` on a thread of its own (WORKER_THREAD): the projections,
 * the Redis keeper and the background jobs, as `pollster worker` runs them, so the event loop
 * that serves the API does nothing else. Seen from the API it is the process's `Projections`:
 * read-your-writes and the projection status ask the thread. The thread's subscription polls the
 * log (the postgres store's poll, 50 ms) and lets events gather (WORKER_SETTLE_MS), as a worker
 * process does, and reads at once when someone waits for a position. Woken at every commit of the
 * main thread instead, it read smaller batches: more CPU per ballot in Node and PostgreSQL, fewer
 * ballots/s (bench/HISTORY.md, "Ingest, run by run").
 *
 * If the thread dies, `onDeath` is called: the process cannot go on without its projections and
 * jobs, and `pollster start` stops as after any uncaught error (exit 1, for the supervisor to restart).
 */
export class WorkerThread implements Projections {
  readonly #onDeath: (error: Error) => void;
  readonly #entry: URL;
  readonly #asks = new Map<number, Ask>();
  #worker: Worker | undefined;
  #ready = false;
  #stopped: Promise<void> | undefined;
  #nextId = 1;

  constructor(options: { onDeath(error: Error): void; entry?: URL }) {
    this.#onDeath = options.onDeath;
    this.#entry = options.entry ?? new URL('./worker-thread-entry.ts', import.meta.url);
  }

  /** Resolves once the thread's projections and jobs have started; rejects if it fails to. */
  start(data: WorkerThreadData): Promise<void> {
    const worker = new Worker(this.#entry, { workerData: data });
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      let failure: Error | undefined;
      worker.on('message', (message: FromThread) => {
        if (message.type === 'ready') {
          this.#ready = true;
          resolve();
        } else if (message.type === 'answer' || message.type === 'failed') this.#answer(message);
      });
      worker.once('error', (error) => (failure = error));
      worker.once('exit', (code) => {
        this.#worker = undefined;
        if (this.#stopped) return;
        const error = new Error(`the worker thread stopped (exit code ${code})${failure ? `: ${failure.message}` : ''}`, { cause: failure });
        this.#failAsks(error.message);
        if (this.#ready) this.#onDeath(error);
        else reject(error);
      });
    });
  }

  waitForPosition(position: bigint, options: WaitOptions & { projection?: string } = {}): Promise<void> {
    const { timeoutMs, projection, signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const answer = this.#ask((id) => ({
      type: 'wait',
      id,
      position,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(projection !== undefined ? { projection } : {}),
    })) as Promise<void>;
    if (!signal) return answer;
    // The thread's wait runs out on its own (timeoutMs); an abort only stops this caller's wait.
    return new Promise<void>((resolve, reject) => {
      const abort = () => reject(signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  }

  status(): Promise<ProjectionStatus[]> {
    return this.#ask((id) => ({ type: 'status', id })) as Promise<ProjectionStatus[]>;
  }

  /** Jobs and projections finish what they have in flight, the thread closes its connections and ends. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const stopped = new Promise<string | undefined>((resolve) => {
      const limit = setTimeout(() => resolve(`the worker thread did not stop within ${STOP_LIMIT_MS / 1000} s`), STOP_LIMIT_MS);
      worker.on('message', (message: FromThread) => {
        if (message.type === 'stopped') (clearTimeout(limit), resolve(message.error));
      });
      worker.once('exit', () => (clearTimeout(limit), resolve(undefined)));
    });
    worker.postMessage({ type: 'stop' } satisfies ToThread);
    const error = await stopped;
    await worker.terminate();
    this.#failAsks('the worker thread stopped');
    if (error) throw new Error(error);
  }

  #ask(message: (id: number) => ToThread): Promise<unknown> {
    const worker = this.#worker;
    if (!worker || this.#stopped) return Promise.reject(new UnavailableError('projection.unavailable', 'the worker thread is not running'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#asks.set(id, { resolve, reject });
      worker.postMessage(message(id));
    });
  }

  #answer(message: Extract<FromThread, { id: number }>): void {
    const ask = this.#asks.get(message.id);
    if (!ask) return;
    this.#asks.delete(message.id);
    if (message.type === 'answer') return ask.resolve(message.value);
    const { kind, code, message: text } = message.error;
    // The wait's own refusal (projection.timeout, projection.unknown) reaches the API as it would in one thread: a 503.
    ask.reject(kind === 'unavailable' && code ? new UnavailableError(code, text) : new Error(text));
  }

  #failAsks(reason: string): void {
    for (const ask of this.#asks.values()) ask.reject(new UnavailableError('projection.unavailable', reason));
    this.#asks.clear();
  }
}
