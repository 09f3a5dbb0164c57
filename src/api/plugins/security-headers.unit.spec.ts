import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { helmetHeaders } from './security-headers.ts';

/** What helmet itself writes on a real response, per request, as it did before the headers were computed once. */
async function helmetOnARealResponse(options: Parameters<typeof helmet>[0]): Promise<IncomingHttpHeaders> {
  const middleware = helmet(options);
  const server = createServer((req, res) => middleware(req, res, () => res.end('{}')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return Object.fromEntries([...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)));
  } finally {
    server.close();
  }
}

describe('helmetHeaders', () => {
  it('is exactly the set of headers helmet writes on a response, for the API configuration and the default one', async () => {
    for (const options of [{ contentSecurityPolicy: false }, {}] as const) {
      expect(helmetHeaders(options)).toEqual(await helmetOnARealResponse(options));
    }
    expect(helmetHeaders({ contentSecurityPolicy: false })).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(helmetHeaders({ contentSecurityPolicy: false })).not.toHaveProperty('content-security-policy');
  });

  it('cannot be changed by whoever holds it: one object serves every request', () => {
    const headers = helmetHeaders({ contentSecurityPolicy: false });
    expect(() => Object.assign(headers, { 'x-frame-options': 'ALLOWALL' })).toThrow(TypeError);
    expect(helmetHeaders({ contentSecurityPolicy: false })['x-frame-options']).toBe('SAMEORIGIN');
  });
});
