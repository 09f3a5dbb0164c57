import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import type { RecordedEvent } from '../../src/event-store/port.ts';
import { RESULTS, startProjections } from '../../src/projections/index.ts';
import type { AfterCommitContext } from '../../src/projections/runner/projection.ts';
import { NatsLiveBus } from '../../src/projections/to-nats/nats-live-bus.ts';
import { liveProjections } from '../../src/runtime/live.ts';
import { WORKER_SETTLE_MS } from '../../src/runtime/open-runtime.ts';
import { benchBallot, benchPoll } from './bulk-log.ts';

/**
 * Projection lag under a steady ballot load: ballots appended through the event store at `rate`
 * per second (paced every 10 ms), the three projections running as in the single-process mode
 * (unpartitioned) but on an event store instance of their own, so they learn of commits by
 * polling every 50 ms and, while pages come back short, reading at most every WORKER_SETTLE_MS, as a separate worker process does, and the `results` projection fanning
 * out to the real NATS after each commit.
 *
 * Per ballot: commit (its append resolved) → read model visible (the runner's post-commit hook
 * started for the batch holding it, i.e. its transaction committed) and commit → NATS message
 * (a subscriber on its own connection got a message for the poll at or past its position).
 */
export interface LagFigures {
  ballots: number;
  seconds: number;
  achievedRate: number;
  visible: Percentiles;
  nats: Percentiles;
  missingNats: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export async function measureLag(databaseUrl: string, natsUrl: string, rate: number, seconds: number, polls = 50): Promise<LagFigures> {
  const silent = pino({ level: 'silent' });
  const writer = new PostgresEventStore({ connectionString: databaseUrl });
  // As a worker process (or `pollster start`'s worker thread) reads: at most every WORKER_SETTLE_MS while pages come back short.
  const store = new PostgresEventStore({ connectionString: databaseUrl, settleMs: WORKER_SETTLE_MS });
  const sql = await createSqlPool(databaseUrl);
  const bus = await NatsLiveBus.connect(natsUrl, silent, { name: 'bench-publisher' });
  const listener = await NatsLiveBus.connect(natsUrl, silent, { name: 'bench-listener' });
  const pollIds = Array.from({ length: polls }, () => randomUUID());
  const visibleAt = new Map<bigint, number>();
  const heard = new Map<string, Array<{ position: number; at: number }>>();
  const unsubscribe = pollIds.map((pollId) => {
    const messages: Array<{ position: number; at: number }> = [];
    heard.set(pollId, messages);
    return listener.subscribe(pollId, (m) => void messages.push({ position: m.position, at: performance.now() }));
  });
  // The read model is visible once the batch committed: the post-commit hook is the first thing after COMMIT.
  const projections = liveProjections({ bus }).map((p) =>
    p.name !== RESULTS ? p : {
      ...p,
      async afterCommit(events: readonly RecordedEvent[], context: AfterCommitContext) {
        const at = performance.now();
        for (const e of events) visibleAt.set(e.position, at);
        await p.afterCommit?.(events, context);
      },
    });
  const running = startProjections({ store, sql, logger: silent, projections });
  try {
    for (const pollId of pollIds) {
      await writer.append(`poll-${pollId}`, [
        { id: randomUUID(), type: 'PollCreated', data: benchPoll(pollId) },
        { id: randomUUID(), type: 'PollOpened', data: { pollId, openedBy: 'bench-organizer', openedAt: new Date().toISOString() } },
      ], 'no_stream');
    }
    await sleep(1_000);
    const commits: Array<{ pollId: string; position: bigint; at: number }> = [];
    const started = performance.now();
    const total = rate * seconds;
    const inFlight: Promise<void>[] = [];
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) inFlight.push(castOne(writer, pollIds[sent % polls]!, sent).then((c) => void commits.push(c)));
      await sleep(10);
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    const last = commits.reduce((max, c) => (c.position > max ? c.position : max), 0n);
    await running.waitForPosition(last, { timeoutMs: 60_000 });
    await sleep(500);
    const visible = commits.map((c) => (visibleAt.get(c.position) ?? Number.NaN) - c.at);
    let missingNats = 0;
    const nats = commits.flatMap((c) => {
      const message = heard.get(c.pollId)?.find((m) => BigInt(m.position) >= c.position);
      if (!message) return (missingNats++, []);
      return [message.at - c.at];
    });
    return { ballots: commits.length, seconds: elapsed, achievedRate: Math.round(commits.length / elapsed), visible: percentiles(visible), nats: percentiles(nats), missingNats };
  } finally {
    for (const u of unsubscribe) u();
    await running.stop();
    await bus.close();
    await listener.close();
    await store.close();
    await writer.close();
    await sql.end();
  }
}

async function castOne(store: PostgresEventStore, pollId: string, n: number) {
  const data = benchBallot(pollId, n);
  const { position } = await store.append(`ballot-${pollId}-${data.voterKey}`, [{ id: randomUUID(), type: 'BallotCast', data }], 'no_stream');
  return { pollId, position, at: performance.now() };
}

function percentiles(values: number[]): Percentiles {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (q: number) => Math.max(0, sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)) };
}

const round = (n: number) => Math.round(n * 10) / 10;
