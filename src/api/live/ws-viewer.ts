import type { WebSocket } from 'ws';
import type { EncodedFrame } from './frames.ts';
import type { DropReason, Viewer } from './viewer.ts';

/** WebSocket close codes: 1001 going away (shutdown), 1008 policy (too slow), 1011 server error. */
const CLOSE_CODE: Record<DropReason, number> = { slow: 1008, dead: 1001, error: 1011, shutdown: 1001 };

/**
 * What every websocket viewer of a node shares (one object per route, not per socket): the
 * slow-consumer limit and what to do when a viewer goes, closed by its peer (`reason` undefined)
 * or dropped by us.
 */
export interface WsViewerSettings {
  maxBufferedBytes: number;
  left(viewer: WsViewer, reason: DropReason | undefined): void;
}

const kViewer = Symbol('pollster.live.viewer');
type ViewedSocket = WebSocket & { [kViewer]: WsViewer };

/**
 * A socket that has not answered the previous ping by the next heartbeat is terminated (a phone
 * that left the network never sends a FIN). Its listeners are three functions shared by every
 * socket (as ws's heartbeat example keeps `isAlive` on the socket), not closures per connection:
 * memory per viewer matters at 10,000 of them.
 */
export class WsViewer implements Viewer {
  readonly pollId: string;
  #socket: WebSocket;
  #settings: WsViewerSettings;
  #alive = true;

  constructor(socket: WebSocket, pollId: string, settings: WsViewerSettings) {
    this.pollId = pollId;
    this.#socket = socket;
    this.#settings = settings;
    (socket as ViewedSocket)[kViewer] = this;
    socket.on('pong', WsViewer.#onPong);
    socket.on('close', WsViewer.#onClose);
  }

  get transport(): 'ws' {
    return 'ws';
  }

  send(frame: EncodedFrame): boolean {
    if (this.#socket.readyState !== 1) return false;
    if (this.#socket.bufferedAmount > this.#settings.maxBufferedBytes) {
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
    this.#settings.left(this, reason);
    // A slow or dead peer would never finish a closing handshake: cut the TCP connection.
    if (reason === 'slow' || reason === 'dead') this.#socket.terminate();
    else this.#socket.close(CLOSE_CODE[reason], reason);
  }

  static #onPong(this: WebSocket): void {
    (this as ViewedSocket)[kViewer].#alive = true;
  }

  static #onClose(this: WebSocket): void {
    const viewer = (this as ViewedSocket)[kViewer];
    viewer.#settings.left(viewer, undefined);
  }
}
