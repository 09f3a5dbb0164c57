import type { Redis } from 'ioredis';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { getResults } from '../results/get-results.ts';
import type { ProjectionLogger } from '../runner/runner.ts';
import { type EncodedResults, encodeResults } from './encode.ts';
import { RedisResultsStore, type StoredResults } from './results-store.ts';

/**
 * The live fan-out only writes polls that change, so without this a quiet poll would stay missing
 * from a Redis that lost its data until its next ballot. Polls only in Redis are left alone: a
 * shared Redis may hold another deployment's keys.
 */
export interface ReconcileOptions {
  sql: CommonQueryMethods;
  redis: Redis;
  logger: ProjectionLogger;
  keyPrefix?: string;
  /** Report only, write nothing. */
  dryRun?: boolean;
}

export interface PollDifference {
  pollId: string;
  /** Human-readable, e.g. `missing`, `position 12 < 15`, `q1:o2 = 3, read model 4`. */
  problems: string[];
  repaired: boolean;
}

export interface ReconcileSummary {
  polls: number;
  inSync: number;
  repaired: number;
  differences: PollDifference[];
}

const PAGE = 200;
const pollIdRow = z.object({ poll_id: z.string() });
const pollPositionRow = z.object({ poll_id: z.string(), position: z.bigint() });

export async function reconcileRedis(options: ReconcileOptions): Promise<ReconcileSummary> {
  const store = new RedisResultsStore(options.redis, options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix });
  const summary: ReconcileSummary = { polls: 0, inSync: 0, repaired: 0, differences: [] };
  for (let after = ''; ; ) {
    const page = await options.sql.any(sql.type(pollIdRow)`
      SELECT poll_id FROM read.result_polls WHERE poll_id > ${after} ORDER BY poll_id LIMIT ${PAGE}`);
    if (page.length === 0) break;
    after = page.at(-1)!.poll_id;
    // A page at a time, polls of a page in parallel: bounded work, no long single transaction.
    const outcomes = await Promise.all(page.map(({ poll_id }) => reconcilePoll(options, store, poll_id)));
    for (const outcome of outcomes) {
      if (outcome === 'gone') continue;
      summary.polls++;
      if (outcome === null) summary.inSync++;
      else summary.differences.push(outcome);
      if (outcome?.repaired) summary.repaired++;
    }
  }
  if (!options.dryRun) await store.markSeeded();
  options.logger.info({ polls: summary.polls, repaired: summary.repaired, differences: summary.differences.length }, 'redis results reconciled');
  return summary;
}

/**
 * Reconciles when Redis lost its data (the seeded marker is gone), or never had it. Returns null
 * when there was nothing to do. For the worker and the single-process start.
 */
export async function reconcileRedisIfEmpty(options: ReconcileOptions): Promise<ReconcileSummary | null> {
  const store = new RedisResultsStore(options.redis, options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix });
  if (await store.isSeeded()) return null;
  options.logger.warn('redis has no results (first start, or it lost its data); rebuilding them from PostgreSQL');
  return reconcileRedis(options);
}

/**
 * Catch-up: every poll whose Redis position is behind the read model's (or missing) is rewritten
 * from the read model; polls in step cost one position comparison (a page of positions from
 * PostgreSQL against one MGET). The fan-out writes Redis after the read model commits, so a
 * worker killed between the two leaves exactly such polls behind, and a poll that gets no later
 * event would stay behind for good.
 */
export async function catchUpRedis(options: ReconcileOptions): Promise<{ polls: number; repaired: number }> {
  const store = new RedisResultsStore(options.redis, options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix });
  let polls = 0;
  let repaired = 0;
  for (let after = ''; ; ) {
    const page = await options.sql.any(sql.type(pollPositionRow)`
      SELECT poll_id, position FROM read.result_polls WHERE poll_id > ${after} ORDER BY poll_id LIMIT ${PAGE}`);
    if (page.length === 0) break;
    after = page.at(-1)!.poll_id;
    polls += page.length;
    const inRedis = await options.redis.mget(page.map(({ poll_id }) => store.keys.position(poll_id)));
    const behind = page.filter(({ position }, i) => inRedis[i] == null || BigInt(inRedis[i]!) < position);
    const outcomes = await Promise.all(behind.map(({ poll_id }) => reconcilePoll(options, store, poll_id)));
    repaired += outcomes.filter((o) => o !== null && o !== 'gone' && o.repaired).length;
  }
  if (repaired > 0) options.logger.warn({ polls, repaired }, 'redis results were behind the read model; caught up');
  return { polls, repaired };
}

/** Brings Redis up to the read model now and on every `check`, until `stop`. */
export interface RedisKeeper {
  stop(): void;
  check(): void;
}

/**
 * At start, after every reconnect and on every `check`: a full reconcile when Redis lost its
 * data (a Redis restarted without persistence comes back empty while the process runs) or when
 * `store` (the fan-out's) missed writes during an outage, else the catch-up. Failures are logged.
 */
export function keepRedisReconciled(options: ReconcileOptions & { store?: RedisResultsStore }): RedisKeeper {
  const { store, ...reconcile } = options;
  // One run at a time; a reconnect during a run asks for one more after it, never for none.
  let running = false;
  let again = false;
  const run = () => {
    if (store?.missedWrites) {
      store.missedWrites = false; // writes failing from here on set it again
      return reconcileRedis(reconcile);
    }
    return reconcileRedisIfEmpty(reconcile).then((full) => full ?? catchUpRedis(reconcile));
  };
  const check = () => {
    if (options.redis.status !== 'ready') return; // the reconnect checks
    if (running) {
      again = true;
      return;
    }
    running = true;
    void run()
      .catch((error: unknown) => options.logger.error({ err: error }, 'redis reconcile failed; it runs again at the next reconnect'))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          check();
        }
      });
  };
  if (options.redis.status === 'ready') check();
  options.redis.on('ready', check);
  return { stop: () => options.redis.off('ready', check), check };
}

/** null: in sync. 'gone': the poll left the read model meanwhile. */
async function reconcilePoll(options: ReconcileOptions, store: RedisResultsStore, pollId: string): Promise<PollDifference | null | 'gone'> {
  let expected = await readModel(options.sql, pollId);
  if (expected === null) return 'gone';
  const stored = await store.read(pollId);
  if (stored.position !== null && BigInt(stored.position) > BigInt(expected.position)) {
    // Redis may have just been written by a runner that committed after our read: read again.
    expected = await readModel(options.sql, pollId);
    if (expected === null) return 'gone';
  }
  const problems = compare(stored, expected);
  if (problems.length === 0) return null;
  // Redis ahead of the read model it is derived from cannot come from this database: overwrite.
  const ahead = stored.position !== null && BigInt(stored.position) > BigInt(expected.position);
  const repaired = options.dryRun ? false : await store.apply(expected, ahead ? 'force' : 'repair');
  return { pollId, problems, repaired };
}

async function readModel(db: CommonQueryMethods, pollId: string): Promise<EncodedResults | null> {
  const results = await getResults(db, pollId);
  return results === null ? null : encodeResults(results);
}

function compare(stored: StoredResults, expected: EncodedResults): string[] {
  if (stored.position === null) return ['missing'];
  const problems: string[] = [];
  if (stored.position !== expected.position) {
    const relation = BigInt(stored.position) < BigInt(expected.position) ? '<' : '>';
    problems.push(`position ${stored.position} ${relation} ${expected.position}`);
  }
  const fields = new Set([...Object.keys(stored.counts), ...Object.keys(expected.counts)]);
  for (const field of [...fields].sort()) {
    const have = stored.counts[field];
    const want = expected.counts[field];
    if (have !== want) problems.push(`${field} = ${have ?? 'none'}, read model ${want ?? 'none'}`);
  }
  if (stored.json !== expected.json) problems.push('results body differs');
  return problems;
}
