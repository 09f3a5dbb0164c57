import type { Logger } from 'pino';
import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventStore, RecordedEvent } from '../../../event-store/port.ts';
import { readPollEvents } from '../../../projections/shared/read-poll-events.ts';
import type { Job } from '../../leased-job.ts';
import { writeBundle } from './bundle.ts';

/** Final results of a poll (getResults); null when its read model has not seen the poll. */
export type ResultsQuery = (db: CommonQueryMethods, pollId: string) => Promise<unknown>;

export interface ArchiveDeps {
  sql: DatabasePool;
  store: EventStore;
  logger: Logger;
  now: () => Date;
  dir: string;
  /** ARCHIVE_AFTER_DAYS: how long after its close a poll is archived. */
  afterDays: number;
  results?: ResultsQuery;
  batchSize?: number;
}

const dueRow = z.object({ poll_id: z.string(), ballots: z.number() });

/** Recorded in poll_archives, so each poll is archived once. Nothing is deleted: the log stays the source of truth. */
export function archiveJob(deps: ArchiveDeps): Job {
  return {
    name: 'archival',
    async run(signal) {
      const cutoff = new Date(deps.now().getTime() - deps.afterDays * 86_400_000).toISOString();
      const due = await deps.sql.any(sql.type(dueRow)`
        SELECT p.poll_id, p.ballots FROM read.polls p
        WHERE p.status = 'closed' AND p.closed_at < ${cutoff}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM poll_archives a WHERE a.poll_id = p.poll_id)
        ORDER BY p.closed_at LIMIT ${deps.batchSize ?? 10}`);
      for (const row of due) {
        if (signal.aborted) return;
        try {
          await archive(row);
        } catch (error) {
          deps.logger.error({ err: error, pollId: row.poll_id }, 'archiving a poll failed; retrying next round');
        }
      }
    },
  };

  async function archive(row: z.infer<typeof dueRow>): Promise<void> {
    // The poll stream and every ballot stream in log order, by stream prefix (index ranges, not a
    // scan of the whole log). Held in memory: fine for polls of some hundred thousand ballots.
    const events = await readPollEvents(deps.store, row.poll_id);
    const results = deps.results ? await deps.results(deps.sql, row.poll_id) : undefined;
    const bundle = await writeBundle({
      dir: deps.dir,
      pollId: row.poll_id,
      poll: { pollId: row.poll_id, archivedAt: deps.now().toISOString(), ...lifecycle(events), countedBallots: row.ballots },
      events,
      ...(results !== undefined && results !== null ? { results } : {}),
    });
    await deps.sql.query(sql.unsafe`
      INSERT INTO poll_archives (poll_id, path, events, checksum)
      VALUES (${row.poll_id}, ${bundle.path}, ${bundle.events}, ${bundle.checksum})
      ON CONFLICT (poll_id) DO UPDATE SET path = EXCLUDED.path, events = EXCLUDED.events,
        checksum = EXCLUDED.checksum, archived_at = now()`);
    deps.logger.info({ pollId: row.poll_id, path: bundle.path, events: bundle.events }, 'poll archived');
  }
}

/** The definition and the status moves, read from the log itself rather than from a read model. */
function lifecycle(events: readonly RecordedEvent[]): Record<string, unknown> {
  const ofType = (type: string) => events.find((e) => e.stream.startsWith('poll-') && e.type === type);
  const opened = ofType('PollOpened')?.data as { openedAt?: string } | undefined;
  const closed = ofType('PollClosed');
  return {
    definition: ofType('PollCreated')?.data ?? null,
    openedAt: opened?.openedAt ?? null,
    closedAt: (closed?.data as { closedAt?: string } | undefined)?.closedAt ?? null,
    // The counting rule: ballots after this position in events.jsonl do not count.
    closedPosition: closed ? String(closed.position) : null,
  };
}
