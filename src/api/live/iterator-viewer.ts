import type { EncodedFrame, FrameType } from './frames.ts';
import type { DropReason, Viewer } from './viewer.ts';

/** A frame as a subscription resolver reads it. */
export interface LiveFrame {
  type: FrameType;
  position: number;
  results: unknown;
}

/**
 * A viewer read as an async iterator (a GraphQL subscription): the hub pushes, the subscription
 * pulls. Only the newest unread frame is kept, so a subscriber slower than the throttle skips to
 * the latest results instead of queueing old ones, as a dropped websocket viewer would on its
 * reconnect. Heartbeats are the subscription protocol's own (mercurius' keepAlive).
 */
export class IteratorViewer implements Viewer, AsyncIterableIterator<LiveFrame> {
  readonly transport = 'graphql' as const;
  readonly pollId: string;
  #left: (viewer: IteratorViewer) => void;
  #ended: () => void;
  #unread: LiveFrame | undefined;
  #waiting: ((result: IteratorResult<LiveFrame>) => void) | undefined;
  #done = false;

  /**
   * `left`: once when the subscriber stops, to leave the hub (a viewer the hub dropped has left it);
   * `ended`: once when the iteration ends, whichever side ended it.
   */
  constructor(pollId: string, left: (viewer: IteratorViewer) => void, ended: () => void = () => {}) {
    this.pollId = pollId;
    this.#left = left;
    this.#ended = ended;
  }

  send(frame: EncodedFrame): boolean {
    if (this.#done) return false;
    const value = JSON.parse(frame.json.toString('utf8')) as LiveFrame;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting({ value, done: false });
    else this.#unread = value;
    return true;
  }

  heartbeat(): boolean {
    return !this.#done;
  }

  drop(_reason: DropReason): void {
    this.#finish();
  }

  next(): Promise<IteratorResult<LiveFrame>> {
    const value = this.#unread;
    if (value !== undefined) {
      this.#unread = undefined;
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  return(): Promise<IteratorResult<LiveFrame>> {
    if (!this.#done) {
      this.#finish();
      this.#left(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#ended();
    this.#unread = undefined;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
  }
}
