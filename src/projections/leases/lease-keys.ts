import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { stableHash } from './partitions.ts';

/**
 * Advisory-lock keys of the leases, in the two-int form `(namespace, id)` so that pg_locks shows
 * them as `classid` / `objid` (objsubid 2) and an operator can read who holds what. The
 * namespaces are arbitrary constants, fixed forever; ids stay below 2^31 (int4).
 */
export type LeaseKey = readonly [namespace: number, id: number];

export const LEASE_NAMESPACES = {
  /** One per running (non-pinned) worker: how workers count each other. */
  worker: 1_886_151_001,
  /** One per projection partition; the id encodes the partition count too. */
  partition: 1_886_151_002,
  job: 1_886_151_003,
} as const;

/** `count * 65536 + index`: workers started with a different PROJECTION_PARTITIONS hold other keys, which the probe detects. */
export const partitionKey = (index: number, count: number): LeaseKey => [LEASE_NAMESPACES.partition, count * 65_536 + index];

const decodePartitionKey = (id: number): { index: number; count: number } => ({
  index: id % 65_536,
  count: Math.floor(id / 65_536),
});

export const jobKey = (name: string): LeaseKey => [LEASE_NAMESPACES.job, stableHash(name) & 0x7fffffff];

export const workerKey = (id: number): LeaseKey => [LEASE_NAMESPACES.worker, id];

export interface LeaseProbe {
  /** Sessions holding a worker presence lock in this database. */
  liveWorkers: number;
  /** Partition keys held by anyone (this worker included), decoded. */
  partitions: Array<{ index: number; count: number }>;
}

/** Whether any session holds the key: lets a worker skip opening a connection just to be refused. */
export async function isLeaseHeld(db: CommonQueryMethods, [namespace, id]: LeaseKey): Promise<boolean> {
  return db.exists(sql.unsafe`
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ${namespace} AND objid::bigint = ${id}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
}

const heldRow = z.object({ namespace: z.coerce.number(), id: z.coerce.number() });

/**
 * Who holds what, read from pg_locks: exact and immediate (a crashed worker's session is gone,
 * and its locks with it), no heartbeat table to age out. Advisory locks are per database, so the
 * probe filters on the current one.
 */
export async function probeLeases(db: CommonQueryMethods): Promise<LeaseProbe> {
  const rows = await db.any(sql.type(heldRow)`
    SELECT classid::bigint AS namespace, objid::bigint AS id
    FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid::bigint IN (${LEASE_NAMESPACES.worker}, ${LEASE_NAMESPACES.partition})`);
  return {
    liveWorkers: new Set(rows.filter((r) => r.namespace === LEASE_NAMESPACES.worker).map((r) => r.id)).size,
    partitions: rows.filter((r) => r.namespace === LEASE_NAMESPACES.partition).map((r) => decodePartitionKey(r.id)),
  };
}
