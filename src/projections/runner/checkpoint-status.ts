import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventStore } from '../../event-store/port.ts';
import { pollPartition } from '../leases/partitions.ts';
import { projectionOfCheckpoint } from './parked.ts';
import type { PostgresProjection } from './projection.ts';
import { measureLag, type ProjectionLag } from './status.ts';

/** Read from the database, not a running runner; projections never started show the whole log as lag. */
export interface CheckpointStatus {
  /** Checkpoint name. */
  name: string;
  projection: string;
  checkpoint: bigint;
  updatedAt: Date | null;
  lag: ProjectionLag;
  parked: number;
  /** A checkpoint of a projection this program does not know (renamed or removed). */
  unknown: boolean;
}

const row = z.object({ name: z.string(), position: z.bigint(), updated_at: z.coerce.date(), parked: z.number() });

export async function checkpointStatus(db: DatabasePool, store: EventStore, projections: readonly PostgresProjection[]): Promise<CheckpointStatus[]> {
  const rows = await db.any(sql.type(row)`
    SELECT c.name, c.position, c.updated_at,
           (SELECT count(*)::int FROM parked_events p WHERE p.projection = c.name) AS parked
    FROM projection_checkpoints c ORDER BY c.name`);
  const seen = new Set(rows.map((r) => projectionOfCheckpoint(r.name)));
  const missing = projections.filter((p) => !seen.has(p.name)).map((p) => ({ name: p.name, position: 0n, updated_at: null, parked: 0 }));
  const out: CheckpointStatus[] = [];
  for (const r of [...rows, ...missing]) {
    const name = projectionOfCheckpoint(r.name);
    const projection = projections.find((p) => p.name === name);
    const partition = partitionOf(r.name);
    const lag = projection
      ? await measureLag(store, projection.categories, r.position, partition ? (e) => partition.includes(e) : () => true)
      : { events: 0, capped: false, seconds: 0 };
    out.push({ name: r.name, projection: name, checkpoint: r.position, updatedAt: r.updated_at, lag, parked: r.parked, unknown: !projection });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `results#2/4` → partition 2 of 4; undefined for a whole projection or an unreadable suffix. */
function partitionOf(checkpoint: string) {
  const match = /#(\d+)\/(\d+)$/.exec(checkpoint);
  if (!match) return undefined;
  try {
    return pollPartition(Number(match[1]), Number(match[2]));
  } catch {
    return undefined;
  }
}
