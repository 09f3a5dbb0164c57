import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { projectionOfCheckpoint } from './parked.ts';

/**
 * Read-your-writes for a process that runs no projections (`pollster serve`): after a command,
 * wait until the workers' checkpoints in PostgreSQL have passed its position, so that the
 * organiser's next list, the results or the review queue show it.
 *
 * The serve node does not know how the workers split the projections (`--partitions` may differ
 * from its own PROJECTION_PARTITIONS), so it reads that from the checkpoints: of each projection,
 * the partition scheme (`name`, or `name#i/N` for one N) whose checkpoints moved last is the one
 * running, and every one of its checkpoints must have passed the position. A runner moves all of
 * its checkpoints to the end of each batch, events of other partitions included (apply.ts), so
 * the scheme that is running passes every position; one left by an earlier deploy never moves
 * again and is ignored.
 *
 * Bounded and soft: the command has committed whatever happens here. With no worker running, or
 * one far behind, the wait ends after `timeoutMs` and the command answers as it would have
 * without it (false is returned for the caller to log).
 */
export interface CheckpointWaitOptions {
  /** The projections to wait for (their base names). */
  names: readonly string[];
  timeoutMs: number;
  /** Between two reads of the checkpoints. */
  intervalMs?: number;
}

const row = z.object({ name: z.string(), position: z.bigint(), moved_at: z.number() });
type Row = z.infer<typeof row>;

export async function waitForCheckpoints(db: CommonQueryMethods, position: bigint, options: CheckpointWaitOptions): Promise<boolean> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const rows = await db.any(sql.type(row)`
      SELECT name, position, extract(epoch FROM updated_at)::float8 AS moved_at FROM projection_checkpoints
      WHERE split_part(name, '#', 1) = ANY(${sql.array([...options.names], 'text')})`);
    if (options.names.every((name) => passed(running(rows, name), position))) return true;
    if (performance.now() >= deadline) return false;
    await sleep(options.intervalMs ?? 10);
  }
}

/** The checkpoints of the projection's scheme that moved last (`name`, or `name#i/N` for one N). */
function running(rows: readonly Row[], name: string): Row[] {
  const schemes = Map.groupBy(
    rows.filter((r) => projectionOfCheckpoint(r.name) === name),
    (r) => r.name.replace(/#\d+\//, '#/'),
  );
  let latest: Row[] = [];
  let movedAt = -Infinity;
  for (const scheme of schemes.values()) {
    const last = Math.max(...scheme.map((r) => r.moved_at));
    if (last > movedAt) [latest, movedAt] = [scheme, last];
  }
  return latest;
}

const passed = (checkpoints: readonly Row[], position: bigint): boolean => checkpoints.length > 0 && checkpoints.every((c) => c.position >= position);
