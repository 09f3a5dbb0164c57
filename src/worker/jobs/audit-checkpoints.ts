import type { Logger } from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventHead, EventStore } from '../../event-store/port.ts';
import type { CheckpointReason } from '../../audit/checkpoint.ts';
import type { SigningKey } from '../../audit/signing.ts';
import { CheckpointWriter } from '../../audit/write-checkpoint.ts';
import { pollIdOfStream } from '../../domain/shared/streams.ts';
import type { Job } from '../leased-job.ts';

export interface AuditCheckpointsDeps {
  sql: DatabasePool;
  store: EventStore;
  key: SigningKey;
  logger: Logger;
  now: () => Date;
  /** AUDIT_CHECKPOINT_EVENTS / AUDIT_CHECKPOINT_SECONDS. */
  everyEvents: number;
  everySeconds: number;
  /** AUDIT_CHECKPOINT_INTERVAL_MS: rounds this often (default: the worker's JOBS_INTERVAL_MS). */
  intervalMs?: number;
  /** Log pages read per round (1,000 events each), so one round never runs unbounded. */
  maxPages?: number;
  /** The share of the time each poll's checkpoints may take (default CHECKPOINT_SHARE). */
  checkpointShare?: number;
}

const PAGE = 1000;

/**
 * A poll's checkpoint costs in proportion to its streams (its Merkle tree's inner nodes are hashed
 * afresh, on the tree thread: merkle-leaves.ts), ~0.2 s at 100,000 ballots and ~2 s at a million.
 * Each poll's checkpoints may take this share of the time at most: after one that took t, the poll
 * waits t × 19 before the next, whatever AUDIT_CHECKPOINT_EVENTS / _SECONDS say (a close is signed
 * at once). Otherwise a million-ballot poll taking 5,000 ballots a second would be signed back to
 * back, every 1,000 ballots, and its hashing would take a core the node's database shares.
 */
const CHECKPOINT_SHARE = 0.05;

const dueRow = z.object({ poll_id: z.string(), close_pending: z.boolean(), pending: z.bigint() });

interface Pending {
  events: number;
  since: Date;
  closed: boolean;
}

/**
 * `audit-checkpoints`: tails the log (poll and ballot streams) from its cursor, counts per poll
 * what is not yet signed, and signs a checkpoint (src/audit/checkpoint.ts) for each poll with a
 * PollClosed among those events, AUDIT_CHECKPOINT_EVENTS of them, or the oldest older than
 * AUDIT_CHECKPOINT_SECONDS. A checkpoint covers the poll through the cursor: the log is complete
 * there (the store reads only below the oldest transaction in flight), so nothing can later land
 * under a signed position. Counts and cursor move in one transaction; a crash between signing and
 * recording signs again, under the same event id (write-checkpoint.ts), so nothing is doubled.
 */
export function auditCheckpointsJob(deps: AuditCheckpointsDeps): Job {
  const writer = new CheckpointWriter({ store: deps.store, key: deps.key, now: deps.now });
  /** Per poll, when its next checkpoint may start (performance.now()), by CHECKPOINT_SHARE. */
  const notBefore = new Map<string, number>();
  const share = deps.checkpointShare ?? CHECKPOINT_SHARE;
  return {
    name: 'audit-checkpoints',
    ...(deps.intervalMs !== undefined ? { intervalMs: deps.intervalMs } : {}),
    async run(signal) {
      const through = await readAhead(signal);
      for (const [pollId, at] of notBefore) if (at <= performance.now()) notBefore.delete(pollId);
      // Polls still waiting stay out of the query, so they cannot crowd its 100 out of the rest.
      const due = await deps.sql.any(sql.type(dueRow)`
        SELECT poll_id, close_pending, pending FROM audit_polls
        WHERE pending > 0 AND (close_pending OR pending >= ${deps.everyEvents}
          OR pending_since <= ${deps.now().toISOString()}::timestamptz - make_interval(secs => ${deps.everySeconds}))
          AND (close_pending OR NOT poll_id = ANY(${sql.array([...notBefore.keys()], 'uuid')}))
        ORDER BY close_pending DESC, pending_since LIMIT 100`);
      for (const row of due) {
        if (signal.aborted) return;
        const reason: CheckpointReason = row.close_pending ? 'close' : row.pending >= BigInt(deps.everyEvents) ? 'events' : 'interval';
        const started = performance.now();
        try {
          const { checkpoint } = await writer.write(row.poll_id, through, reason);
          const finished = performance.now();
          if (reason === 'close') notBefore.delete(row.poll_id);
          else notBefore.set(row.poll_id, finished + (finished - started) * (1 / share - 1));
          await deps.sql.query(sql.unsafe`
            UPDATE audit_polls SET pending = 0, pending_since = NULL, close_pending = false,
              signed_through = ${String(through)}::bigint, signed_at = ${checkpoint.signedAt}::timestamptz
            WHERE poll_id = ${row.poll_id}`);
          deps.logger.info({ pollId: row.poll_id, through: checkpoint.through, events: checkpoint.events, reason }, 'audit checkpoint signed');
        } catch (error) {
          deps.logger.error({ err: error, pollId: row.poll_id }, 'signing an audit checkpoint failed; retrying next round');
        }
      }
    },
  };

  /** Reads the log past the cursor, records per poll what is pending; returns the new cursor. */
  async function readAhead(signal: AbortSignal): Promise<bigint> {
    const cursor = await deps.sql.maybeOneFirst(sql.type(z.object({ through: z.bigint() }))`SELECT through FROM audit_checkpoint_cursor`);
    let from = cursor ?? 0n;
    const pending = new Map<string, Pending>();
    for (let page = 0; page < (deps.maxPages ?? 50) && !signal.aborted; page++) {
      // Heads only: counting and carrying heads forward needs no event's content, and parsing every
      // ballot's data here was most of what checkpoints cost the ingest path.
      const read = await deps.store.readAllHeads({ from, limit: PAGE, categories: ['poll', 'ballot'] });
      for (const event of read.events) note(pending, event);
      writer.observe(read.events, from, read.next);
      from = read.next;
      if (read.events.length < PAGE) break;
    }
    if (from === (cursor ?? 0n)) return from;
    const rows = [...pending].map(([pollId, p]) => ({ pollId, ...p }));
    await deps.sql.transaction(async (tx) => {
      if (rows.length > 0) {
        await tx.query(sql.unsafe`
          INSERT INTO audit_polls AS a (poll_id, pending, pending_since, close_pending)
          SELECT * FROM unnest(${sql.array(rows.map((r) => r.pollId), 'uuid')}, ${sql.array(rows.map((r) => r.events), 'int8')},
            ${sql.array(rows.map((r) => r.since.toISOString()), 'timestamptz')}, ${sql.array(rows.map((r) => r.closed), 'bool')})
          ON CONFLICT (poll_id) DO UPDATE SET pending = a.pending + EXCLUDED.pending,
            pending_since = least(a.pending_since, EXCLUDED.pending_since), close_pending = a.close_pending OR EXCLUDED.close_pending`);
      }
      await tx.query(sql.unsafe`
        INSERT INTO audit_checkpoint_cursor (id, through) VALUES (true, ${String(from)}::bigint)
        ON CONFLICT (id) DO UPDATE SET through = EXCLUDED.through`);
    });
    return from;
  }
}

function note(pending: Map<string, Pending>, event: EventHead): void {
  const pollId = pollIdOfStream(event.stream);
  if (pollId === undefined) return;
  const known = pending.get(pollId);
  const closed = event.type === 'PollClosed';
  if (known === undefined) {
    pending.set(pollId, { events: 1, since: event.recordedAt, closed });
    return;
  }
  known.events++;
  known.closed ||= closed;
  if (event.recordedAt < known.since) known.since = event.recordedAt;
}
