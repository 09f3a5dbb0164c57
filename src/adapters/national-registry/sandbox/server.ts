import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidNationalId, type RegistryPerson } from '../port.ts';
import { SANDBOX_PEOPLE } from './fixtures.ts';

/**
 * A stand-in for the government registry, speaking the same HTTP API as the real one, so the
 * HTTP adapter is tested (and demoed with `pollster registry-sandbox`) over a real socket:
 *
 *   GET /v1/persons/{id} → 200 person JSON | 404 unknown id | 400 malformed id
 *
 * Knobs let tests stage outages: `failNext(n)` answers the next n requests with 503 and
 * `latencyMs` delays every answer. `requestCount` counts every request that arrived, so a test
 * can prove that an open circuit breaker sent nothing.
 */
export interface RegistrySandboxOptions {
  /** Default 127.0.0.1: the sandbox holds no secrets, but it is still no public service. */
  host?: string;
  /** Default 0: any free port (read it from `url`). */
  port?: number;
  latencyMs?: number;
  people?: readonly RegistryPerson[];
}

export interface RegistrySandbox {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`: the adapter's `baseUrl`. */
  readonly url: string;
  readonly fixtures: readonly RegistryPerson[];
  /**
   * Answers the next `n` requests with `status` (default 503), whatever they ask. Replaces any
   * failures still staged, so `failNext(0)` cancels them.
   */
  failNext(n: number, status?: number): void;
  latencyMs: number;
  /** Requests received since start, failed and delayed ones included. */
  readonly requestCount: number;
  close(): Promise<void>;
}

const PERSON_PATH = /^\/v1\/persons\/([^/]+)$/;

export async function startRegistrySandbox(options: RegistrySandboxOptions = {}): Promise<RegistrySandbox> {
  const { host = '127.0.0.1', port = 0, people = SANDBOX_PEOPLE } = options;
  const byId = new Map(people.map((person) => [person.nationalId, person]));
  const pending = new Set<NodeJS.Timeout>();
  let latencyMs = options.latencyMs ?? 0;
  let requestCount = 0;
  let failures: number[] = []; // statuses still to answer, in order

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch {
      if (!res.headersSent) send(res, 500, { code: 'sandbox.internal' }); // never crash the test run
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const failure = failures.shift();
    if (failure !== undefined) return send(res, failure, { code: 'sandbox.staged-failure' });
    if (req.method !== 'GET') return send(res, 405, { code: 'method-not-allowed' });
    const match = PERSON_PATH.exec(new URL(req.url ?? '/', 'http://sandbox').pathname);
    if (!match) return send(res, 404, { code: 'route.not-found' });
    const id = match[1] ?? '';
    // The registry accepts only the canonical form (digits only, so no decoding is needed);
    // normalising user input is the client's job.
    if (!/^\d+$/.test(id) || !isValidNationalId(id)) return send(res, 400, { code: 'national-id.invalid' });
    const person = byId.get(id);
    if (!person) return send(res, 404, { code: 'national-id.not-found' });
    send(res, 200, person);
  };

  const server = createServer((req, res) => {
    requestCount++;
    if (latencyMs <= 0) return answer(req, res);
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!res.destroyed) answer(req, res); // the client may have timed out meanwhile
    }, latencyMs);
    pending.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => (server.off('error', reject), resolve()));
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    fixtures: people,
    failNext(n: number, status = 503): void {
      failures = Array.from({ length: Math.max(0, n) }, () => status);
    },
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    get requestCount() {
      return requestCount;
    },
    close(): Promise<void> {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // keep-alive sockets from fetch would hold close() open
      });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
