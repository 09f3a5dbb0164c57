import type { Logger } from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { CommandDeps } from '../../commands/command-deps.ts';
import { closePoll } from '../../commands/polls/close-poll.ts';
import { openPoll } from '../../commands/polls/open-poll.ts';
import { POLL_CODES } from '../../domain/poll/errors.ts';
import { ConflictError } from '../../domain/shared/errors.ts';
import type { Job } from '../leased-job.ts';
import { systemContext } from '../system-context.ts';

export interface PollScheduleDeps {
  sql: DatabasePool;
  commands: CommandDeps;
  logger: Logger;
  /** Polls handled per round and direction; the rest wait for the next round. */
  batchSize?: number;
}

const pollIdRow = z.object({ poll_id: z.string() });

// The read model may lag the log, so a poll it shows as due may already have moved: the command
// side then refuses, and that refusal means "done", not "failed".
const ALREADY_DONE: ReadonlySet<string> = new Set([
  POLL_CODES.notDraft,
  POLL_CODES.notActive,
  POLL_CODES.alreadyClosed,
  POLL_CODES.ended,
]);

/**
 * `poll-schedule`: opens draft polls at their startsAt and closes active polls at their endsAt,
 * through the ordinary command handlers with actor `system`. The command id derives from the
 * poll id and the action, so a round repeated after a crash or a lease hand-over re-sends the
 * same command and finds its PollOpened/PollClosed already in the stream: each poll is opened and
 * closed once. Drafts without a startsAt are left to their organizer.
 */
export function pollScheduleJob(deps: PollScheduleDeps): Job {
  const limit = deps.batchSize ?? 100;
  return {
    name: 'poll-schedule',
    async run(signal) {
      const now = deps.commands.now().toISOString();
      const dueToOpen = await deps.sql.any(sql.type(pollIdRow)`
        SELECT poll_id FROM read.polls
        WHERE status = 'draft' AND (settings ->> 'startsAt')::timestamptz <= ${now}::timestamptz
          AND ((settings ->> 'endsAt') IS NULL OR (settings ->> 'endsAt')::timestamptz > ${now}::timestamptz)
        ORDER BY (settings ->> 'startsAt')::timestamptz LIMIT ${limit}`);
      for (const { poll_id } of dueToOpen) {
        if (signal.aborted) return;
        await act('open', poll_id, async () => (await openPoll(deps.commands, poll_id, { kind: 'system' }, systemContext('open-poll', poll_id))).position);
      }
      const dueToClose = await deps.sql.any(sql.type(pollIdRow)`
        SELECT poll_id FROM read.polls
        WHERE status = 'active' AND (settings ->> 'endsAt')::timestamptz <= ${now}::timestamptz
        ORDER BY (settings ->> 'endsAt')::timestamptz LIMIT ${limit}`);
      for (const { poll_id } of dueToClose) {
        if (signal.aborted) return;
        await act('close', poll_id, () => closePoll(deps.commands, poll_id, { kind: 'system' }, systemContext('close-poll', poll_id)));
      }
    },
  };

  async function act(action: 'open' | 'close', pollId: string, command: () => Promise<bigint>): Promise<void> {
    try {
      const position = await command();
      deps.logger.info({ pollId, action, position: String(position) }, `poll ${action === 'open' ? 'opened at startsAt' : 'closed at endsAt'}`);
    } catch (error) {
      if (error instanceof ConflictError && ALREADY_DONE.has(error.code)) {
        deps.logger.debug({ pollId, action, code: error.code }, 'poll already moved; nothing to do');
        return;
      }
      // One bad poll must not hold up the others; it is tried again next round.
      deps.logger.error({ err: error, pollId, action }, 'scheduled poll command failed');
    }
  }
}
