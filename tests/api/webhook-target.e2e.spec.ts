import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callerWith, lunchPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/** A milestone webhook URL naming the server's own network by address is refused at creation. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('createPoll with a milestone webhook', () => {
  it('refuses loopback, private and metadata literal addresses with 422 at the field, writing nothing', async () => {
    const organizer = await callerWith(t, 'organizer');
    for (const url of ['http://127.0.0.1:3000/internal/admin?secret=1', 'http://[::1]/x', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest']) {
      const before = await committedHead(t.services);
      const answer = await call(t.app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll({ milestoneWebhookUrl: url }) });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'poll.webhook-target-refused', field: 'settings.milestoneWebhookUrl' });
      expect(await committedHead(t.services)).toBe(before);
    }
  });

  it('accepts a public name (its addresses are checked at each delivery)', async () => {
    const organizer = await callerWith(t, 'organizer');
    const answer = await call(t.app, {
      method: 'POST',
      url: '/api/polls',
      caller: organizer,
      payload: lunchPoll({ milestoneWebhookUrl: 'https://hooks.example.org/pollster' }),
    });
    expect(answer.status).toBe(201);
  });
});
