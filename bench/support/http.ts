import { connect, type Socket } from 'node:net';

type Answer = { status: number; body: any };

/**
 * A keep-alive JSON client for load generation: HTTP/1.1 written and read on raw sockets, one
 * request in flight per connection, at most `maxSockets` connections. The load generator shares
 * the 2 cores with the server it measures, and node:http's client spent ~60-80 µs of CPU per
 * ballot (a sixth of the machine at saturation); this one writes each request as one string and
 * reads only the status line, Content-Length and the body. It speaks to Pollster, not to the
 * web: no chunked bodies (Pollster's JSON answers carry a length), no redirects, no TLS.
 */
export function jsonClient(baseUrl: string, maxSockets: number) {
  const { hostname, port } = new URL(baseUrl);
  const idle: Connection[] = [];
  const queue: Array<(connection: Connection) => void> = [];
  let open = 0;
  const release = (connection: Connection) => {
    const next = queue.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  const acquire = (): Promise<Connection> => {
    // A connection the server closed while it sat idle (its keep-alive timeout) is dropped here.
    let ready = idle.pop();
    while (ready && !ready.reusable) ready = idle.pop();
    if (ready) return Promise.resolve(ready);
    if (open < maxSockets) {
      open++;
      return Promise.resolve(new Connection(connect(Number(port), hostname), () => open--));
    }
    return new Promise((resolve) => queue.push(resolve));
  };
  return async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`;
    const connection = await acquire();
    try {
      return await connection.send(`${head}\r\n${payload}`);
    } catch (error) {
      connection.close();
      throw error;
    } finally {
      if (connection.reusable) release(connection);
      // A connection the server closed: whoever waits for one gets a new one.
      else if (queue.length > 0 && open < maxSockets) {
        open++;
        release(new Connection(connect(Number(port), hostname), () => open--));
      }
    }
  };
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: one request at a time, its answer framed by Content-Length. */
class Connection {
  reusable = true;
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;

  constructor(socket: Socket, onClose: () => void) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => {
      this.reusable = false;
      onClose();
      this.#fail(new Error('connection closed'));
    });
  }

  send(request: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (!this.reusable) return reject(new Error('connection closed'));
      this.#pending = { resolve, reject };
      this.#socket.write(request, (error) => {
        if (error) this.#fail(error);
      });
    });
  }

  close(): void {
    this.reusable = false;
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#chunks.push(chunk);
    const data = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks);
    this.#chunks = [data];
    const end = data.indexOf(HEAD_END);
    if (end === -1) return;
    const head = data.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.#fail(new Error(`an answer without Content-Length (status ${status}): this client reads only framed bodies`));
    const bodyEnd = end + 4 + Number(length[1]);
    if (data.length < bodyEnd) return;
    this.#chunks = [];
    if (/\r\nconnection: *close/i.test(head)) this.close();
    const text = data.toString('utf8', end + 4, bodyEnd);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve({ status, body: text ? JSON.parse(text) : undefined });
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

type JsonRequest = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * The Authorization header of the first account of the bench's empty database, which is an admin
 * (and admins create polls): registered and logged in through the API, since the server accepts
 * tokens only for accounts that exist.
 */
export async function firstAdmin(request: JsonRequest): Promise<Record<string, string>> {
  const account = { email: 'bench@example.org', password: 'bench password, long enough' };
  const registered = await request('POST', '/api/auth/register', { ...account, displayName: 'Bench' });
  if (registered.status !== 201) throw new Error(`register ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await request('POST', '/api/auth/login', account);
  if (login.status !== 200) throw new Error(`login ${login.status} ${JSON.stringify(login.body)}`);
  return { authorization: `Bearer ${login.body.accessToken}` };
}
