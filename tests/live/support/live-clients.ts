import { WebSocket } from 'ws';

/** A frame as a client received it, with its arrival time (ms, monotonic). */
export interface ReceivedFrame {
  type: 'snapshot' | 'results';
  position: number;
  results: any;
  at: number;
}

/** What both test clients offer: the frames so far, the newest one, waiting on a condition. */
export abstract class LiveClient {
  readonly frames: ReceivedFrame[] = [];
  #waiters = new Set<() => void>();

  protected receive(frame: Omit<ReceivedFrame, 'at'>): void {
    this.frames.push({ ...frame, at: performance.now() });
    for (const wake of this.#waiters) wake();
  }

  /** The newest results the client holds (frames with an older position are dropped, as a real client does). */
  get latest(): ReceivedFrame | undefined {
    let best: ReceivedFrame | undefined;
    for (const frame of this.frames) if (best === undefined || frame.position >= best.position) best = frame;
    return best;
  }

  async waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${this.frames.map((f) => `${f.type}@${f.position}`).join(' ')}`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  abstract close(): Promise<void>;
}

export class WsClient extends LiveClient {
  readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on('message', (data) => this.receive(JSON.parse(String(data))));
  }

  /** Resolves once open; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode })),
      );
      socket.once('error', reject);
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** A fetch-based EventSource stand-in: parses `event:` / `id:` / `data:` blocks, ignores comments. */
export class SseClient extends LiveClient {
  readonly #abort = new AbortController();
  #done: Promise<void> = Promise.resolve();
  /** The last `id:` seen: what a browser would send back as Last-Event-ID. */
  lastEventId: string | undefined;

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.#abort.signal });
    if (response.status !== 200 || response.body === null) {
      throw Object.assign(new Error(`SSE refused: ${response.status} ${await response.text()}`), { status: response.status });
    }
    client.#done = client.#read(response.body);
    return client;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          this.#event(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
  }

  #event(block: string): void {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || !line.includes(':')) continue;
      const at = line.indexOf(':');
      fields.set(line.slice(0, at), line.slice(at + 1).replace(/^ /, ''));
    }
    const data = fields.get('data');
    if (fields.has('id')) this.lastEventId = fields.get('id');
    if (data !== undefined) this.receive(JSON.parse(data));
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
