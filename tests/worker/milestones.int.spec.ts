import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pollStream } from '../../src/domain/shared/streams.ts';
import { castBallot, createPoll, openPoll } from '../projections/harness.ts';
import { startWebhookServer } from './webhook-server.ts';
import { eventually, openWorkerHarness, pause, type WorkerHarness } from './support.ts';

let h: WorkerHarness;
beforeAll(async () => {
  h = await openWorkerHarness();
});
afterAll(async () => {
  await h.close();
});

const deliveryOf = (pollId: string, milestone = 100) =>
  h.sql.maybeOne(sql.type(z.object({ status: z.string(), attempts: z.number(), last_error: z.string().nullable() }))`
    SELECT status, attempts, last_error FROM webhook_deliveries WHERE poll_id = ${pollId} AND milestone = ${milestone}`);

const milestoneEvents = async (pollId: string) =>
  (await h.store.readStream(pollStream(pollId))).filter((e) => e.type === 'MilestoneReached');

async function pollWithBallots(ballots: number, milestoneWebhookUrl?: string) {
  const { pollId } = await createPoll(h.store, { settings: milestoneWebhookUrl ? { milestoneWebhookUrl } : {} });
  await openPoll(h.store, pollId);
  for (let i = 0; i < ballots; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, ballots - i) }, () => castBallot(h.store, pollId)));
  }
  return pollId;
}

describe('milestones and their webhooks', () => {
  it('100 ballots → one MilestoneReached and one POST, also across a worker restart', async () => {
    const server = await startWebhookServer();
    try {
      const pollId = await pollWithBallots(100, server.url);
      const first = await h.startWorker();
      await eventually(async () => (await deliveryOf(pollId))?.status === 'delivered', 15_000, 'delivery');
      await first.close();

      const second = await h.startWorker();
      await pause(1_000); // several rounds of every job on the new worker
      await second.close();

      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.body).toMatchObject({ type: 'MilestoneReached', pollId, milestone: 100, ballots: 100 });
      expect(server.received[0]!.headers['idempotency-key']).toBe(`${pollId}:100`);
      const events = await milestoneEvents(pollId);
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ pollId, milestone: 100, ballots: 100 });
      expect(events[0]!.metadata).toMatchObject({ actor: 'system' });
      expect(await deliveryOf(pollId)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      await server.close();
    }
  });

  it('retries a POST the receiver refused with 503, and records the poll without a URL as skipped', async () => {
    const server = await startWebhookServer((n) => (n === 1 ? 503 : 200));
    try {
      const withUrl = await pollWithBallots(100, server.url);
      const withoutUrl = await pollWithBallots(100);
      const w = await h.startWorker();
      await eventually(async () => (await deliveryOf(withUrl))?.status === 'delivered', 15_000, 'delivery after a retry');
      await eventually(async () => (await deliveryOf(withoutUrl))?.status === 'skipped', 15_000, 'skipped row');
      await w.close();
      expect(server.received).toHaveLength(2);
      expect(await deliveryOf(withUrl)).toMatchObject({ attempts: 2 });
      expect(await milestoneEvents(withoutUrl)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('refuses to POST to the server\'s own network (SSRF): the delivery is failed with the reason, nothing is sent', async () => {
    const server = await startWebhookServer();
    try {
      // `localhost` passes the creation check (a name), and resolves to loopback at delivery.
      const pollId = await pollWithBallots(100, server.url.replace('127.0.0.1', 'localhost').replace('/hook', '/internal/admin?secret=1'));
      const w = await h.startWorker({ WEBHOOK_ALLOWED_NETWORKS: '192.0.2.0/24' }); // an unrelated on-premises network
      await eventually(async () => (await deliveryOf(pollId))?.status === 'failed', 15_000, 'refused delivery');
      await pause(500);
      await w.close();
      expect(server.received).toHaveLength(0);
      expect(await deliveryOf(pollId)).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/^refused: localhost resolves to .* loopback address/) });
    } finally {
      await server.close();
    }
  });

  it('does not resend a POST whose outcome is unknown (no answer before the timeout)', async () => {
    const server = await startWebhookServer(() => 'hang');
    try {
      const pollId = await pollWithBallots(100, server.url);
      const w = await h.startWorker({ WEBHOOK_TIMEOUT_MS: '300' });
      await eventually(async () => (await deliveryOf(pollId))?.status === 'unknown', 15_000, 'unknown outcome');
      await pause(1_000);
      await w.close();
      expect(server.received).toHaveLength(1);
      expect(await deliveryOf(pollId)).toMatchObject({ status: 'unknown', attempts: 1 });
    } finally {
      await server.close();
    }
  });

  it('marks a delivery left "sending" by a crashed worker as unknown instead of sending it again', async () => {
    const server = await startWebhookServer();
    try {
      const { pollId } = await createPoll(h.store);
      await h.sql.query(sql.unsafe`
        INSERT INTO webhook_deliveries (poll_id, milestone, url, ballots, reached_at, status, attempts)
        VALUES (${pollId}, 100, ${server.url}, 100, now(), 'sending', 1)`);
      const w = await h.startWorker();
      await eventually(async () => (await deliveryOf(pollId))?.status === 'unknown', 10_000, 'interrupted → unknown');
      await pause(500);
      await w.close();
      expect(server.received).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
