import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyStatus, postJson } from '../../src/worker/jobs/webhooks/post.ts';
import { startWebhookServer } from './webhook-server.ts';

/** A port with nothing listening on it: bound, read, released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('postJson outcomes', () => {
  it('classifies answers: 2xx delivered, 408/429/5xx retry, other statuses failed', () => {
    expect(classifyStatus(204).kind).toBe('delivered');
    expect([408, 425, 429, 500, 503].map((s) => classifyStatus(s).kind)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([301, 400, 404, 410].map((s) => classifyStatus(s).kind)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('retries a refused connection: nothing was sent', async () => {
    const outcome = await postJson(`http://127.0.0.1:${await freePort()}/hook`, {}, { timeoutMs: 1_000 });
    expect(outcome.kind).toBe('retry');
  });

  it('reports unknown when connected but no answer came in time', async () => {
    const server = await startWebhookServer(() => 'hang');
    try {
      expect((await postJson(server.url, { a: 1 }, { timeoutMs: 200 })).kind).toBe('unknown');
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('refuses other schemes without sending', async () => {
    expect(await postJson('ftp://example.org/x', {}, { timeoutMs: 100 })).toMatchObject({ kind: 'failed' });
  });
});
