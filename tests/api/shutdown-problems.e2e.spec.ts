import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Under SIGTERM the server closes while keep-alive clients still send requests on their open
 * connections. Those requests get a problem+json 503 with a code and Retry-After, like every
 * other error, not Fastify's own `{"error": ...}` body.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('a request that reaches a closing server', () => {
  it('gets 503 problem+json with code server.shutting-down and Retry-After', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    // A request in flight (its body still arriving) keeps the connection busy while close begins.
    const body = JSON.stringify({ email: 'ada@example.org', password: 'correct horse battery' });
    socket.write(`POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await sleep(100);
    const closing = t.app.close();
    await sleep(100);
    // The rest of the body, and the connection's next request right behind it.
    socket.write(`${body}GET /api/polls HTTP/1.1\r\nHost: x\r\n\r\n`);
    await Promise.race([ended, sleep(5_000)]);
    await closing;

    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    const [head, payload] = responses[1]!.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(head).toMatch(/\r\nretry-after: 5\r?\n?/i);
    expect(JSON.parse(payload!)).toMatchObject({ status: 503, code: 'server.shutting-down' });
  });
});
