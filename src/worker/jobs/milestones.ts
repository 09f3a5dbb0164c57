import type { Logger } from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { CommandDeps } from '../../commands/command-deps.ts';
import { recordMilestone } from '../../commands/polls/record-milestone.ts';
import { MILESTONES } from '../../domain/poll/milestones.ts';
import type { Job } from '../leased-job.ts';
import { systemContext } from '../system-context.ts';
import { insertDelivery } from './webhooks/deliveries.ts';

export interface MilestonesDeps {
  sql: DatabasePool;
  commands: CommandDeps;
  logger: Logger;
  batchSize?: number;
}

const dueRow = z.object({ poll_id: z.string(), milestone: z.number(), ballots: z.number(), url: z.string().nullable() });

/** Milestones that polls' counted ballots passed and that have no webhook_deliveries row yet, `limit` at most. */
export function milestonesDue(db: DatabasePool, limit: number): Promise<ReadonlyArray<z.infer<typeof dueRow>>> {
  // A full scan of read.polls per round; fine for thousands of polls. Past that, keep the
  // highest recorded milestone in a column of its own and index it.
  return db.any(sql.type(dueRow)`
    SELECT p.poll_id, m.milestone, p.ballots, p.settings ->> 'milestoneWebhookUrl' AS url
    FROM read.polls p CROSS JOIN unnest(${sql.array([...MILESTONES], 'int4')}) AS m(milestone)
    WHERE p.ballots >= m.milestone
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.poll_id = p.poll_id AND d.milestone = m.milestone)
    ORDER BY p.poll_id, m.milestone
    LIMIT ${limit}`);
}

/**
 * `milestones`: notices polls whose counted ballots (read.polls.ballots) passed a milestone that
 * has no webhook_deliveries row yet, records MilestoneReached on the poll stream (RecordMilestone,
 * actor `system`), then queues the webhook (or marks it skipped when the poll has no URL).
 *
 * Event first, row second: a crash in between leaves no row, so the next round sends the same
 * command again (same derived command id), gets the recorded event back and queues the row. The
 * row's primary key makes the queueing itself happen once.
 */
export function milestonesJob(deps: MilestonesDeps): Job {
  const limit = deps.batchSize ?? 200;
  return {
    name: 'milestones',
    async run(signal) {
      const due = await milestonesDue(deps.sql, limit);
      for (const row of due) {
        if (signal.aborted) return;
        try {
          await reach(row);
        } catch (error) {
          deps.logger.error({ err: error, pollId: row.poll_id, milestone: row.milestone }, 'recording a milestone failed');
        }
      }
    },
  };

  async function reach(row: z.infer<typeof dueRow>): Promise<void> {
    const input = { pollId: row.poll_id, milestone: row.milestone, ballots: row.ballots };
    const event = await recordMilestone(deps.commands, input, systemContext('milestone', `${row.poll_id}:${row.milestone}`));
    await insertDelivery(deps.sql, {
      pollId: row.poll_id,
      milestone: row.milestone,
      url: row.url,
      ballots: event?.data.ballots ?? row.ballots,
      reachedAt: event?.data.reachedAt ?? deps.commands.now().toISOString(),
    });
    deps.logger.info({ pollId: row.poll_id, milestone: row.milestone, webhook: row.url !== null }, 'milestone reached');
  }
}
