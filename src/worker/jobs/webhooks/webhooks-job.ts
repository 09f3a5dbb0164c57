import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { WebhookTargets } from '../../../adapters/webhook-targets.ts';
import type { Job } from '../../leased-job.ts';
import { claim, dueDeliveries, markInterrupted, recordOutcome, type Delivery, type RetryPolicy } from './deliveries.ts';
import { postJson } from './post.ts';

export interface WebhooksDeps {
  sql: DatabasePool;
  logger: Logger;
  now: () => Date;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Which addresses may be POSTed to (WEBHOOK_ALLOWED_NETWORKS on top of public unicast). */
  targets: WebhookTargets;
  batchSize?: number;
}

/**
 * `webhooks`: POSTs queued milestone notifications to the organizers' URLs, at most once each.
 * Every attempt is claimed (`sending`, committed) before its POST and settled after it, so what a
 * crash leaves behind is visible and becomes `unknown` rather than a second POST. The receiver
 * also gets an Idempotency-Key (`<pollId>:<milestone>`) for the case an operator re-queues an
 * `unknown` one by hand.
 */
export function webhooksJob(deps: WebhooksDeps): Job {
  return {
    name: 'webhooks',
    async onAcquired() {
      const interrupted = await markInterrupted(deps.sql);
      if (interrupted > 0) deps.logger.warn({ interrupted }, 'webhooks left in flight by an earlier worker marked unknown (not resent)');
    },
    async run(signal) {
      // One at a time: a claim right before its POST, so a crash strands at most one delivery.
      for (const due of await dueDeliveries(deps.sql, deps.now(), deps.batchSize ?? 20)) {
        if (signal.aborted) return;
        const claimed = await claim(deps.sql, due);
        if (claimed) await deliver(claimed);
      }
    },
  };

  async function deliver(d: Delivery): Promise<void> {
    const body = {
      type: 'MilestoneReached',
      pollId: d.poll_id,
      milestone: d.milestone,
      ballots: d.ballots,
      reachedAt: d.reached_at,
    };
    const outcome = await postJson(d.url!, body, {
      timeoutMs: deps.timeoutMs,
      targets: deps.targets,
      headers: { 'user-agent': 'pollster-webhooks', 'idempotency-key': `${d.poll_id}:${d.milestone}` },
    });
    await recordOutcome(deps.sql, d, outcome, deps.retry);
    const log = { pollId: d.poll_id, milestone: d.milestone, attempt: d.attempts, outcome: outcome.kind };
    if (outcome.kind === 'delivered') deps.logger.info(log, 'milestone webhook delivered');
    else deps.logger.warn({ ...log, error: outcome.error }, 'milestone webhook not delivered');
  }
}
