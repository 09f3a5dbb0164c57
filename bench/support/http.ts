import http from 'node:http';

/** A keep-alive JSON client for load generation (node:http: the least overhead per request). */
export function jsonClient(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  return async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          hostname,
          port,
          method,
          path,
          headers: payload ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
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
