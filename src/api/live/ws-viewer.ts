import type { WebSocket } from 'ws';
import type { EncodedFrame } from './frames.ts';
import type { DropReason, Viewer } from './viewer.ts';

/** WebSocket close codes: 1001 going away (shutdown), 1008 policy (too slow), 1011 server error. */
const CLOSE_CODE: Record<DropReason, number> = { slow: 1008, dead: 1001, error: 1011, shutdown: 1001 };

/**
 * A websocket viewer. Liveness by ping/pong: a socket that has not answered the previous ping by
 * the next heartbeat is terminated (a phone that left the network never sends a FIN).
 * Holds nothing but the socket and one flag, to keep the memory per connection small.
 */
export class WsViewer implements Viewer {
  readonly transport = 'ws' as const;
  #socket: WebSocket;
  #maxBuffered: number;
  #alive = true;
  #onDrop: (reason: DropReason) => void;

  constructor(socket: WebSocket, maxBuffered: number, onDrop: (reason: DropReason) => void) {
    this.#socket = socket;
    this.#maxBuffered = maxBuffered;
    this.#onDrop = onDrop;
    socket.on('pong', () => {
      this.#alive = true;
    });
  }

  send(frame: EncodedFrame): boolean {
    if (this.#socket.readyState !== 1) return false;
    if (this.#socket.bufferedAmount > this.#maxBuffered) {
      this.drop('slow');
      return false;
    }
    // The same Buffer for every socket: ws frames it without copying the payload (no masking server-side).
    this.#socket.send(frame.json, { binary: false });
    return true;
  }

  heartbeat(): boolean {
    if (!this.#alive) {
      this.drop('dead');
      return false;
    }
    this.#alive = false;
    if (this.#socket.readyState === 1) this.#socket.ping();
    return true;
  }

  drop(reason: DropReason): void {
    this.#onDrop(reason);
    // A slow or dead peer would never finish a closing handshake: cut the TCP connection.
    if (reason === 'slow' || reason === 'dead') this.#socket.terminate();
    else this.#socket.close(CLOSE_CODE[reason], reason);
  }
}
