import type { EventStore, RecordedEvent } from '../../event-store/port.ts';

/** What `/metrics`, `/health/ready` and an operator want to know about one projection. */
export interface ProjectionStatus {
  name: string;
  categories: readonly string[];
  running: boolean;
  /** Committed checkpoint (`$all` position). */
  checkpoint: bigint;
  /** How far the log is applied or seen (past skipped categories); >= checkpoint. */
  through: bigint;
  lag: ProjectionLag;
  appliedSinceStart: number;
  parkedSinceStart: number;
  lastError: { message: string; at: Date } | null;
}

export interface ProjectionLag {
  /** Events of its categories not applied yet, counted up to `LAG_CAP`. */
  events: number;
  /** True when there are more than `events`. */
  capped: boolean;
  /** Age of the oldest event not applied yet, 0 when caught up: the number to alert on. */
  seconds: number;
}

/** Counting further would make a status call as costly as the work it reports on. */
export const LAG_CAP = 1000;

/**
 * Lag in events and seconds rather than in positions: positions are transaction ids shifted left
 * (see migrations/001_events.sql), so their difference means nothing to a person.
 */
export async function measureLag(
  store: EventStore,
  categories: readonly string[],
  through: bigint,
  includes: (event: RecordedEvent) => boolean,
  now = new Date(),
): Promise<ProjectionLag> {
  const page = await store.readAll({ from: through, limit: LAG_CAP, categories });
  const pending = page.events.filter(includes);
  const oldest = pending[0];
  return {
    events: pending.length,
    capped: page.events.length === LAG_CAP,
    seconds: oldest ? Math.max(0, (now.getTime() - oldest.recordedAt.getTime()) / 1000) : 0,
  };
}
