import { EventEmitter } from 'node:events';
import { type LiveBus, type LiveResultsMessage, resultsSubject } from './live-bus.ts';

/**
 * The live bus of the embedded default (no NATS_URL): publisher and edge live in one process, so
 * an EventEmitter is the whole transport. Same subjects and message shape as NATS; subscribers
 * get the published object itself and must treat it as read-only.
 */
export class InProcessLiveBus implements LiveBus {
  readonly #emitter = new EventEmitter();
  readonly #onError: (error: unknown) => void;

  /** `onError`: what to do with a subscriber's throw (default: ignore), so one bad socket never stops the others. */
  constructor(options: { onError?: (error: unknown) => void } = {}) {
    // Many sockets may watch one poll: no "possible memory leak" warning at 11 listeners.
    this.#emitter.setMaxListeners(0);
    this.#onError = options.onError ?? (() => {});
  }

  async publish(message: LiveResultsMessage): Promise<void> {
    this.#emitter.emit(resultsSubject(message.pollId), message);
  }

  subscribe(pollId: string, onMessage: (message: LiveResultsMessage) => void): () => void {
    const subject = resultsSubject(pollId);
    const listener = (message: LiveResultsMessage) => {
      try {
        onMessage(message);
      } catch (error) {
        this.#onError(error);
      }
    };
    this.#emitter.on(subject, listener);
    return () => this.#emitter.off(subject, listener);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
