import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { webhookTargets } from '../../src/adapters/webhook-targets.ts';
import { classifyStatus, postJson } from '../../src/worker/jobs/webhooks/post.ts';

// The receivers of these tests listen on loopback, allowed as an on-premises receiver would be.
const loopbackAllowed = webhookTargets(['127.0.0.1']);
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
    const outcome = await postJson(`http://127.0.0.1:${await freePort()}/hook`, {}, { timeoutMs: 1_000, targets: loopbackAllowed });
    expect(outcome.kind).toBe('retry');
  });

  it('reports unknown when connected but no answer came in time', async () => {
    const server = await startWebhookServer(() => 'hang');
    try {
      expect((await postJson(server.url, { a: 1 }, { timeoutMs: 200, targets: loopbackAllowed })).kind).toBe('unknown');
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('refuses other schemes without sending', async () => {
    expect(await postJson('ftp://example.org/x', {}, { timeoutMs: 100, targets: loopbackAllowed })).toMatchObject({ kind: 'failed' });
  });
});

describe('postJson against server-side request forgery', () => {
  const publicOnly = webhookTargets();

  it('refuses loopback, private, link-local (metadata) and other non-public literal addresses without connecting', async () => {
    const server = await startWebhookServer();
    try {
      for (const url of [server.url, 'http://10.0.0.7/x', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:80/x', 'http://[::ffff:127.0.0.1]/x', 'http://0.0.0.0/x']) {
        expect(await postJson(url, {}, { timeoutMs: 500, targets: publicOnly })).toMatchObject({ kind: 'failed', error: expect.stringMatching(/^refused: /) });
      }
      expect(server.received).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('checks the address a name resolves to, and never follows a redirect', async () => {
    const server = await startWebhookServer(() => 302);
    try {
      const byName = server.url.replace('127.0.0.1', 'localhost');
      expect(await postJson(byName, {}, { timeoutMs: 500, targets: publicOnly })).toMatchObject({
        kind: 'failed',
        error: expect.stringMatching(/^refused: localhost resolves to/),
      });
      expect(server.received).toHaveLength(0);
      // Allowed receiver answering a redirect: one POST, outcome failed, nothing followed.
      expect(await postJson(server.url, {}, { timeoutMs: 500, targets: loopbackAllowed })).toMatchObject({ kind: 'failed' });
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
