import { sql, type DatabasePool } from 'slonik';
import type { EventStore, ReadAllResult, RecordedEvent } from '../../event-store/port.ts';
import { partitionOfStream } from '../leases/partitions.ts';
import type { PostgresProjection } from '../runner/projection.ts';
import { useSchema } from '../runner/search-path.ts';
import { type ParkedInRebuild, applyWithin } from './shadow-apply.ts';
import { analyzeShadow, createSecondaryIndexes, createShadow, dropLeftoverShadows, dropShadow, parseTableName, shadowSchemaName } from './shadow.ts';
import { swapIn } from './swap.ts';
import { withRebuildLock } from './rebuild-lock.ts';

/**
 * Replays the log into shadow tables while the live ones keep serving, then swaps them in
 * (swap.ts). No synchronous commit in the replay: a crashed rebuild is thrown away anyway. The
 * post-commit fan-out is not run; `pollster projections reconcile` brings Redis in line.
 */
export interface RebuildOptions {
  sql: DatabasePool;
  store: EventStore;
  projection: PostgresProjection;
  /** Events per read (default 10,000; cut by poll into `concurrency` transactions). */
  batchSize?: number;
  /** Transactions applied side by side, each with the events of its own polls (default 2). */
  concurrency?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Aborting stops after the batch in flight and drops the shadow; the live tables are untouched. */
  signal?: AbortSignal;
}

export type RebuildPhase = 'replay' | 'index' | 'catch-up' | 'analyze' | 'swap';

export interface RebuildProgress {
  phase: RebuildPhase;
  applied: number;
  position: bigint;
  /** First event of the projection in the log, and the head when the rebuild started: the bar's 0% and 100%. */
  first: bigint;
  head: bigint;
  elapsedMs: number;
}

export interface RebuildSummary {
  projection: string;
  schema: string;
  applied: number;
  parked: ParkedInRebuild[];
  /** Checkpoint of the new tables (every row in `checkpoints` was moved to it). */
  checkpoint: bigint;
  checkpoints: string[];
  replaySeconds: number;
  totalSeconds: number;
  /** Events applied per second in the replay phase (the bulk of the log). */
  eventsPerSecond: number;
  swapMs: number;
  swapAttempts: number;
  leftoversDropped: string[];
}

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildSummary> {
  const { projection } = options;
  if (!projection.tables?.length) throw new Error(`projection ${projection.name} declares no tables: it cannot be rebuilt`);
  const tables = projection.tables.map(parseTableName);
  return withRebuildLock(options.sql, projection.name, async () => {
    const leftoversDropped = await dropLeftoverShadows(options.sql, projection.name);
    const schema = shadowSchemaName(projection.name);
    const secondaryIndexes = await createShadow(options.sql, schema, tables);
    try {
      return { ...(await fillAndSwap(options, schema, tables, secondaryIndexes)), leftoversDropped };
    } catch (error) {
      await dropShadow(options.sql, schema).catch(() => undefined);
      throw error;
    }
  });
}

async function fillAndSwap(
  options: RebuildOptions,
  schema: string,
  tables: ReturnType<typeof parseTableName>[],
  secondaryIndexes: readonly string[],
): Promise<Omit<RebuildSummary, 'leftoversDropped'>> {
  const { store, projection, signal } = options;
  const batchSize = options.batchSize ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const started = performance.now();
  const state = { phase: 'replay' as RebuildPhase, applied: 0, position: 0n, first: 0n, head: await store.headPosition() };
  const parked: ParkedInRebuild[] = [];
  const report = () => options.onProgress?.({ ...state, elapsedMs: performance.now() - started });
  const read = (from: bigint) => store.readAll({ from, limit: batchSize, categories: projection.categories });

  // A pipeline, so that both cores stay busy: reads run one page ahead, and each slice of the
  // polls (see `slices`) is a chain of transactions of its own, one per page in log order, so
  // node folds one slice's share while the database writes another's, and a page does not wait
  // for the other slices' share of the page before it. At most PAGES_IN_FLIGHT pages are being
  // applied at once. Stops at the end of the readable log or once past `target`: under a steady
  // load the log never ends, and a round must.
  const applySlice = (events: RecordedEvent[]) =>
    options.sql.transaction(async (tx) => {
      await useSchema(tx, schema);
      await tx.query(sql.unsafe`SET LOCAL synchronous_commit = off`);
      await applyWithin(tx, projection, events, parked);
    });
  const advanceTo = (position: bigint) => {
    state.position = position;
    if (position > state.head) state.head = position;
    report();
  };
  const drain = async (target: bigint): Promise<void> => {
    const chains = Array.from({ length: concurrency }, (): Promise<unknown> => Promise.resolve());
    // Pages complete in log order: page n+1's share of every slice waits for page n's.
    const pages: Promise<void>[] = [];
    let pending: Promise<ReadAllResult> = read(state.position);
    try {
      for (;;) {
        const page = await pending;
        const full = page.events.length === batchSize;
        if (full) pending = read(page.next);
        if (page.events.length > 0) {
          if (state.first === 0n) state.first = page.events[0]!.position;
          const done = slices(page.events, concurrency).map((events, i) =>
            events.length === 0 ? chains[i]! : (chains[i] = chains[i]!.then(() => applySlice(events))),
          );
          pages.push(Promise.all(done).then(() => {
            state.applied += page.events.length;
            advanceTo(page.next);
          }));
          if (pages.length > PAGES_IN_FLIGHT) await pages.shift();
        }
        if (!full || page.next >= target || signal?.aborted) {
          await Promise.all(pages.splice(0));
          if (full) await pending.catch(() => undefined); // no read left dangling
          advanceTo(page.next);
          return;
        }
      }
    } catch (error) {
      // Nothing left running or rejected unobserved: the caller drops the shadow next.
      await Promise.allSettled([...pages, pending]);
      throw error;
    }
  };

  // Rounds to the head as it is when each starts; each round is shorter than the one before as
  // long as the rebuild applies faster than events arrive. Bounded: the swap takes the rest.
  const catchUp = async (): Promise<void> => {
    for (let round = 0; round < 10 && !signal?.aborted; round++) {
      state.head = await store.headPosition();
      if (state.position >= state.head) return;
      report();
      await drain(state.head);
    }
  };

  report();
  await drain(state.head);
  abortIf(signal);
  state.phase = 'index';
  report();
  await createSecondaryIndexes(options.sql, secondaryIndexes);
  // The replay's time includes building the indexes it left out.
  const replaySeconds = (performance.now() - started) / 1000;
  const replayed = state.applied;
  abortIf(signal);
  state.phase = 'catch-up';
  await catchUp();
  abortIf(signal);
  state.phase = 'analyze';
  report();
  await analyzeShadow(options.sql, schema, tables);
  await catchUp(); // what arrived meanwhile: the swap's own share stays small

  state.phase = 'swap';
  report();
  const swapStarted = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await swapIn({ sql: options.sql, store, projection, schema, tables, from: state.position, parked });
      state.applied += outcome.applied;
      state.position = outcome.checkpoint;
      report();
      return {
        projection: projection.name,
        schema,
        applied: state.applied,
        parked: outcome.parked,
        checkpoint: outcome.checkpoint,
        checkpoints: outcome.checkpoints,
        replaySeconds,
        totalSeconds: (performance.now() - started) / 1000,
        eventsPerSecond: Math.round(replayed / Math.max(replaySeconds, 0.001)),
        swapMs: Math.round(performance.now() - swapStarted),
        swapAttempts: attempt,
      };
    } catch (error) {
      // A lock timeout (55P03) or being the deadlock victim (40P01) rolled the swap back whole.
      if (attempt >= 5 || !isLockConflict(error)) throw error;
      await catchUp();
    }
  }
}

/** Pages being applied at once by `drain` (each up to `batchSize` events held in memory). */
const PAGES_IN_FLIGHT = 2;

/**
 * A batch cut by poll (the partition hash) into `count` slices, each in log order (some maybe
 * empty): slices hold disjoint polls, which is what lets partitioned runners share the live tables
 * too (src/projections/leases/partitions.ts), and slice i of every page holds the same polls.
 */
function slices(events: readonly RecordedEvent[], count: number): RecordedEvent[][] {
  if (count === 1) return [[...events]];
  const out = Array.from({ length: count }, (): RecordedEvent[] => []);
  for (const event of events) out[partitionOfStream(event.stream, count)]!.push(event);
  return out;
}

function abortIf(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('rebuild interrupted; the live tables are unchanged', { cause: signal.reason });
}

function isLockConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '55P03' || code === '40P01') return true;
  }
  return false;
}
