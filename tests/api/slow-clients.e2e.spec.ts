import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Slowloris: a client that sends its headers or its body a few bytes at a time holds a socket
 * for as long as the server lets it. Past the bounds the request is cut with 408 problem+json.
 */
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ headersTimeoutMs: 1_000, requestTimeoutMs: 1_500 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t?.close());

/** Writes `parts` with pauses, then returns what the server sent and when it closed (ms after the start). */
async function trickle(parts: string[], pauseMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  const started = Date.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  socket.on('error', () => {});
  for (const part of parts) {
    if (socket.destroyed) break;
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  const closedAfterMs = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 10_000))]);
  socket.destroy();
  return { answer, closedAfterMs };
}

function problemOf(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  return { head: head!, body: JSON.parse(body!) as { status: number; code: string } };
}

describe('slow clients', () => {
  it('cuts slow headers with 408 problem+json', async () => {
    const { answer, closedAfterMs } = await trickle(['GET /api/polls HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n'], 400);
    expect(closedAfterMs).toBeLessThan(5_000);
    const { head, body } = problemOf(answer);
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(body).toMatchObject({ status: 408, code: 'request.timeout' });
  });

  it('cuts a slow body with 408 problem+json', async () => {
    const head = 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const { answer, closedAfterMs } = await trickle([head, '{"email"', ':"a@', 'x.test"', ',', ' ', ' ', ' ', ' '], 400);
    expect(closedAfterMs).toBeLessThan(5_000);
    expect(problemOf(answer).body).toMatchObject({ status: 408, code: 'request.timeout' });
  });
});
