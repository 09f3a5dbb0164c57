import type { ServerResponse } from 'node:http';
import { type EncodedFrame, SSE_HEARTBEAT } from './frames.ts';
import type { DropReason, Viewer } from './viewer.ts';

/**
 * A server-sent-events viewer on a hijacked response. There is no pong in SSE: the heartbeat
 * comment makes a dead peer's socket fail on write (and keeps idle proxies from closing the
 * stream); a peer that stops reading shows as unsent data and is dropped like a slow websocket.
 */
export class SseViewer implements Viewer {
  readonly transport = 'sse' as const;
  #response: ServerResponse;
  #maxBuffered: number;
  #onDrop: (reason: DropReason) => void;

  constructor(response: ServerResponse, maxBuffered: number, onDrop: (reason: DropReason) => void) {
    this.#response = response;
    this.#maxBuffered = maxBuffered;
    this.#onDrop = onDrop;
  }

  send(frame: EncodedFrame): boolean {
    return this.#write(frame.sse);
  }

  heartbeat(): boolean {
    return this.#write(SSE_HEARTBEAT);
  }

  drop(reason: DropReason): void {
    this.#onDrop(reason);
    if (reason === 'slow' || reason === 'dead') this.#response.destroy();
    else this.#response.end();
  }

  #write(bytes: Buffer): boolean {
    const response = this.#response;
    if (response.destroyed || response.writableEnded) return false;
    if (response.writableLength > this.#maxBuffered) {
      this.drop('slow');
      return false;
    }
    response.write(bytes);
    return true;
  }
}
