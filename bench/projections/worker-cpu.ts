import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { PartitionedProjections } from '../../src/worker/partitioned-projections.ts';
import { benchBallot, benchPoll } from './bulk-log.ts';

export interface WorkerCpu {
  partitions: number;
  ballots: number;
  /** Wall time until every runner had applied the last ballot. */
  seconds: number;
  /** Process CPU (appending included) per ballot. */
  cpuMicrosPerBallot: number;
}

/**
 * What a worker costs: the projections of `count` partitions, all held by this process as one
 * `pollster worker` holding every lease would run them, while ballots of `polls` polls are
 * appended at `rate` per second (the appends are in the figure too, alike for every count).
 */
export async function measureWorkerCpu(databaseUrl: string, count: number, rate: number, seconds: number, polls = 20): Promise<WorkerCpu> {
  const writer = new PostgresEventStore({ connectionString: databaseUrl });
  const store = new PostgresEventStore({ connectionString: databaseUrl });
  const sql = await createSqlPool(databaseUrl);
  const projections = new PartitionedProjections({ store, sql, logger: pino({ level: 'silent' }), count });
  try {
    const pollIds = Array.from({ length: polls }, () => randomUUID());
    for (const pollId of pollIds) {
      await writer.append(`poll-${pollId}`, [
        { id: randomUUID(), type: 'PollCreated', data: benchPoll(pollId) },
        { id: randomUUID(), type: 'PollOpened', data: { pollId, openedBy: 'bench-organizer', openedAt: new Date().toISOString() } },
      ], 'no_stream');
    }
    for (let i = 0; i < count; i++) await projections.start(i);
    await sleep(1_000);
    const before = process.cpuUsage();
    const started = performance.now();
    const total = rate * seconds;
    const appends: Promise<{ position: bigint }>[] = [];
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) appends.push(castOne(writer, pollIds[sent % polls]!, sent));
      await sleep(10);
    }
    const last = (await Promise.all(appends)).reduce((max, a) => (a.position > max ? a.position : max), 0n);
    for (;;) {
      const status = await projections.status();
      if (status.every((s) => s.through >= last)) break;
      await sleep(20);
    }
    const used = process.cpuUsage(before);
    return { partitions: count, ballots: total, seconds: (performance.now() - started) / 1000, cpuMicrosPerBallot: (used.user + used.system) / total };
  } finally {
    await projections.stopAll();
    await writer.close();
    await store.close();
    await sql.end();
  }
}

function castOne(store: PostgresEventStore, pollId: string, n: number) {
  const data = benchBallot(pollId, n);
  return store.append(`ballot-${pollId}-${data.voterKey}`, [{ id: randomUUID(), type: 'BallotCast', data }], 'no_stream');
}
