import type { RecordedEvent } from '../../event-store/port.ts';
import { faultPoint } from '../runner/fault-points.ts';
import type { PollResults } from '../../domain/results/results.ts';
import { getResultsOf } from '../results/get-results.ts';
import type { AfterCommitContext, PostgresProjection } from '../runner/projection.ts';
import { toBody } from '../to-redis/encode.ts';
import type { RedisResultsStore } from '../to-redis/results-store.ts';
import type { LiveBus } from './live-bus.ts';

/**
 * The live side of the `results` projection, run as its post-commit hook (STYLE.md 9): for every
 * poll a committed batch touched, read the results back with getResultsOf, a chunk of polls per
 * statement (so Redis and viewers get exactly what the read model says, counting rules
 * included), write them to Redis through the position guard (the chunk's polls in one pipeline:
 * one round trip per chunk, not per poll), then publish one message per poll to the live bus.
 * Redis before NATS: a viewer that hears of position p and then asks the API for a snapshot gets
 * p or later.
 *
 * Nothing here is retried: a failure is logged and the next change of the poll republishes.
 * A process that dies after the commit and before this runs leaves Redis behind the read model:
 * readers compare positions and read PostgreSQL meanwhile (currentResults), and the next worker
 * to start or take the partition over catches Redis up (catchUpRedis).
 */
export interface ResultsFanOutOptions {
  bus: LiveBus;
  /** Absent in the embedded default (no REDIS_URL): the API then reads PostgreSQL. */
  redis?: RedisResultsStore;
  /** Polls read per statement, and published at once (default 50): a batch may touch hundreds of polls. */
  chunk?: number;
}

/** The projection (normally `results`) with the fan-out as its `afterCommit` hook. */
export function withResultsFanOut(projection: PostgresProjection, options: ResultsFanOutOptions): PostgresProjection {
  return { ...projection, afterCommit: (events, context) => fanOutResults(events, context, options) };
}

export async function fanOutResults(events: readonly RecordedEvent[], context: AfterCommitContext, options: ResultsFanOutOptions): Promise<void> {
  const polls = [...lastEventPerPoll(events)];
  if (polls.length > 0) faultPoint('results.committed-before-redis');
  const chunk = Math.max(1, options.chunk ?? 50);
  for (let i = 0; i < polls.length; i += chunk) await fanOutChunk(polls.slice(i, i + chunk), context, options);
}

/** One message per poll per batch: the batch's last event of the poll names the update. */
function lastEventPerPoll(events: readonly RecordedEvent[]): Map<string, RecordedEvent> {
  const last = new Map<string, RecordedEvent>();
  for (const event of events) {
    const pollId = (event.data as { pollId?: unknown } | null)?.pollId;
    if (typeof pollId === 'string') last.set(pollId, event);
  }
  return last;
}

async function fanOutChunk(polls: ReadonlyArray<[string, RecordedEvent]>, context: AfterCommitContext, options: ResultsFanOutOptions): Promise<void> {
  let read: Map<string, PollResults>;
  try {
    read = await getResultsOf(context.sql, polls.map(([pollId]) => pollId));
  } catch (error) {
    context.logger.warn({ err: error, polls: polls.length }, 'live results not read; the next change republishes');
    return;
  }
  const shown = polls.flatMap(([pollId, event]) => {
    const results = read.get(pollId);
    return results ? [{ pollId, event, results }] : []; // a poll the read model does not know (yet): nothing to show
  });
  await writeRedis(shown, context, options);
  await Promise.all(shown.map(({ pollId, event, results }) => publish(pollId, event, results, context, options)));
}

/** Every poll of the chunk in one Redis round trip (a pipeline), before any of them is published. */
async function writeRedis(shown: ReadonlyArray<{ pollId: string; results: PollResults }>, context: AfterCommitContext, options: ResultsFanOutOptions): Promise<void> {
  if (!options.redis || shown.length === 0) return;
  if (!options.redis.available) {
    // Redis is away (its client logs the outage once): skip, and reconcile at the reconnect.
    options.redis.missedWrites = true;
    return;
  }
  const outcomes = await options.redis.applyMany(shown.map((s) => s.results), 'newer');
  outcomes.forEach((outcome, i) => {
    if (!(outcome instanceof Error)) return;
    const { pollId, results } = shown[i]!;
    context.logger.warn({ err: outcome, pollId, position: String(results.position) }, 'redis results not written; the next change or reconcile repairs them');
  });
}

async function publish(pollId: string, event: RecordedEvent, results: PollResults, context: AfterCommitContext, options: ResultsFanOutOptions): Promise<void> {
  try {
    // The body's own position (normally the event's): a message never claims more than it carries.
    await options.bus.publish({ pollId, position: Number(results.position), results: toBody(results), eventId: event.id });
  } catch (error) {
    context.logger.warn({ err: error, pollId, eventId: event.id }, 'live results not published; the next change republishes');
  }
}
