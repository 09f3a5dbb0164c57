import type { DatabasePool } from 'slonik';
import type { RecordedEvent } from '../../event-store/port.ts';
import { insertParked, lockCheckpoint, saveCheckpoint, useSchemaAndAdvanceCheckpoints } from './checkpoints.ts';
import { isPoisonCandidate, sleep } from './failures.ts';
import { faultPoint } from './fault-points.ts';
import type { PostgresProjection } from './projection.ts';

/**
 * Applying delivered events: the exactly-once core of the runner. Rows and checkpoint commit in
 * one transaction; a batch that fails is retried event by event, and an event that keeps failing
 * is parked (with the checkpoint moved past it, in the same transaction) so the projection goes on.
 */
export interface ApplyTarget {
  sql: DatabasePool;
  projection: PostgresProjection;
  /** Checkpoint key (projection name, or name#partition). */
  name: string;
  /** Events of the batch this runner owns; the checkpoint still moves over the others. */
  includes: (event: RecordedEvent) => boolean;
}

export interface RetryPolicy {
  /** Tries per event once its batch failed, before it is parked (default 3). */
  attempts: number;
  /** Backoff before the second try, multiplied by 4 for each further try (default 100 ms). */
  baseDelayMs: number;
}

export interface ApplyOutcome {
  checkpoint: bigint;
  applied: number;
  parked: Array<{ event: RecordedEvent; error: unknown }>;
}

/**
 * One transaction: lock the checkpoint and move it to `through`, apply the events that were past
 * it. Events at or below the locked checkpoint were applied by someone else (a concurrent runner)
 * and are skipped.
 */
export async function applyInTransaction(
  target: ApplyTarget,
  events: readonly RecordedEvent[],
  through: bigint,
): Promise<{ checkpoint: bigint; applied: number }> {
  const [done] = await applyTogether([target], events, through);
  return done!;
}

/**
 * `applyInTransaction` for several projections of the same log in ONE transaction, each with its
 * own checkpoint, in the order given: a batch costs one BEGIN and one COMMIT (and one WAL flush)
 * whatever the number of projections. A failure of any of them rolls all of them back.
 */
export async function applyTogether(
  targets: readonly ApplyTarget[],
  events: readonly RecordedEvent[],
  through: bigint,
): Promise<Array<{ checkpoint: bigint; applied: number }>> {
  const done = await targets[0]!.sql.transaction(async (tx) => {
    const outcomes: Array<{ checkpoint: bigint; applied: number }> = [];
    // Handlers name tables unqualified: the search path points them at the live ones, in schema `read`.
    // The checkpoints move to `through` at once; the rest of the transaction applies what was past each.
    const checkpoints = await useSchemaAndAdvanceCheckpoints(tx, targets.map((t) => t.name), through);
    for (const [i, target] of targets.entries()) {
      const checkpoint = checkpoints[i]!;
      const fresh = events.filter((e) => e.position > checkpoint && target.includes(e));
      if (fresh.length > 0) {
        await target.projection.handle(fresh, tx);
        faultPoint('projection.before-commit');
      }
      outcomes.push({ checkpoint: through > checkpoint ? through : checkpoint, applied: fresh.length });
    }
    return outcomes;
  });
  if (done.some((d) => d.applied > 0)) faultPoint('projection.after-commit');
  return done;
}

/**
 * `applyBatch` for projections run together: one transaction for all of them; when it fails for
 * an event's fault, each projection goes on alone for this batch (its own transaction, then event
 * by event), so the one that cannot apply an event parks it and the others are not held back.
 */
export async function applyBatchTogether(
  targets: readonly ApplyTarget[],
  batch: readonly RecordedEvent[],
  retry: RetryPolicy,
  signal: AbortSignal,
  onFailure: (target: ApplyTarget, event: RecordedEvent | undefined, error: unknown, attempt: number) => void,
): Promise<ApplyOutcome[]> {
  const last = batch.at(-1);
  if (last === undefined) throw new Error('applyBatchTogether needs at least one event');
  if (targets.length > 1) {
    try {
      return (await applyTogether(targets, batch, last.position)).map((done) => ({ ...done, parked: [] }));
    } catch (error) {
      if (!isPoisonCandidate(error)) throw error;
      for (const target of targets) onFailure(target, undefined, error, 1);
    }
  }
  const outcomes: ApplyOutcome[] = [];
  for (const target of targets) outcomes.push(await applyBatch(target, batch, retry, signal, (event, error, attempt) => onFailure(target, event, error, attempt)));
  return outcomes;
}

/**
 * Applies a delivered batch (log order, non-empty). Throws only for failures that are not the
 * events' fault (see `isPoisonCandidate`): the caller restarts from the committed checkpoint.
 */
export async function applyBatch(
  target: ApplyTarget,
  batch: readonly RecordedEvent[],
  retry: RetryPolicy,
  signal: AbortSignal,
  onFailure: (event: RecordedEvent | undefined, error: unknown, attempt: number) => void,
): Promise<ApplyOutcome> {
  const last = batch.at(-1);
  if (last === undefined) throw new Error('applyBatch needs at least one event');
  try {
    return { ...(await applyInTransaction(target, batch, last.position)), parked: [] };
  } catch (error) {
    if (!isPoisonCandidate(error)) throw error;
    onFailure(undefined, error, 1);
  }
  // The batch rolled back as a whole: find the culprit by applying one event per transaction.
  const outcome: ApplyOutcome = { checkpoint: 0n, applied: 0, parked: [] };
  for (const event of batch) {
    for (let attempt = 1; ; attempt++) {
      try {
        const done = await applyInTransaction(target, [event], event.position);
        outcome.checkpoint = done.checkpoint;
        outcome.applied += done.applied;
        break;
      } catch (error) {
        if (!isPoisonCandidate(error)) throw error;
        onFailure(event, error, attempt);
        if (attempt < retry.attempts) {
          await sleep(retry.baseDelayMs * 4 ** (attempt - 1), signal);
          if (signal.aborted) throw new Error('projection stopped while retrying', { cause: error });
          continue;
        }
        outcome.checkpoint = await park(target, event, error);
        outcome.parked.push({ event, error });
        break;
      }
    }
  }
  return outcome;
}

async function park(target: ApplyTarget, event: RecordedEvent, error: unknown): Promise<bigint> {
  return target.sql.transaction(async (tx) => {
    const checkpoint = await lockCheckpoint(tx, target.name);
    if (event.position <= checkpoint) return checkpoint; // applied meanwhile by another runner
    await insertParked(tx, target.name, event, error);
    await saveCheckpoint(tx, target.name, event.position);
    return event.position;
  });
}
