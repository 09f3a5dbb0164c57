import pg from 'pg';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnPollster, waitReady, type PollsterProcess } from '../../process/pollster-process.ts';
import { startPrivateStores, type PrivateStores } from './private-stores.ts';

/**
 * One fault drill's world: private PostgreSQL, Redis and NATS, a real `pollster serve` and a real
 * `pollster worker`, an open poll, a load of voters that records every acknowledged ballot, and
 * a checker that compares what was acknowledged with the log, a fresh count from the log, the
 * read model, the API's results and Redis.
 */
export interface Drill {
  stores: PrivateStores;
  api: Node;
  worker: Node;
  poll: { pollId: string; questionId: string; optionIds: string[] };
  apiUrl(): string;
  close(): Promise<void>;
}

/** A Pollster process that the drill may kill and start again with the same settings. */
export interface Node {
  process: PollsterProcess;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function openDrill(): Promise<Drill> {
  const stores = await startPrivateStores();
  const port = await freePort();
  const env = {
    DATABASE_URL: stores.postgres.url,
    REDIS_URL: stores.redis.url,
    NATS_URL: stores.nats.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_BALLOTS_PER_MINUTE: '0',
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    PROJECTION_PARTITIONS: '1',
    LEASE_RETRY_MS: '500',
    JOBS_INTERVAL_MS: '3600000',
    LIVE_RESYNC_MS: '1000',
  };
  const api = node(['serve'], { ...env, PORT: String(port) }, port);
  const worker = node(['worker'], { ...env, PORT: '0' });
  let poll: Drill['poll'];
  try {
    await api.start();
    await worker.start();
    poll = await openPollAsAdmin(`http://127.0.0.1:${port}`);
  } catch (error) {
    if (api.process) await api.kill('SIGKILL');
    if (worker.process) await worker.kill('SIGKILL');
    await stores.close();
    throw error;
  }
  return {
    stores,
    api,
    worker,
    poll,
    apiUrl: () => `http://127.0.0.1:${port}`,
    async close() {
      await api.kill('SIGKILL');
      await worker.kill('SIGKILL');
      await stores.close();
    },
  };
}

function node(args: string[], env: Record<string, string>, port?: number): Node {
  const n: Node = {
    process: undefined as unknown as PollsterProcess,
    async start() {
      n.process = spawnPollster(args, env);
      if (port !== undefined && !(await waitReady(port, 60_000))) throw new Error(`pollster ${args[0]} did not get ready:\n${n.process.output()}`);
    },
    async kill(signal = 'SIGKILL') {
      const { child, exited } = n.process;
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  return n;
}

async function json(url: string, init: RequestInit & { token?: string } = {}): Promise<any> {
  const response = await fetch(url, {
    ...init,
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function openPollAsAdmin(base: string) {
  const credentials = { email: 'drill@example.org', password: 'correct horse battery' };
  await json(`${base}/api/auth/register`, { method: 'POST', body: JSON.stringify({ ...credentials, displayName: 'Drill' }) });
  const { accessToken: token } = await json(`${base}/api/auth/login`, { method: 'POST', body: JSON.stringify(credentials) });
  const { pollId } = await json(`${base}/api/polls`, {
    method: 'POST',
    token,
    body: JSON.stringify({
      title: 'Drill',
      questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] }],
      settings: { voterPolicy: 'open', allowChangeVote: false, showResultsBeforeClose: true, fraudVelocityLimit: 0 },
    }),
  });
  await json(`${base}/api/polls/${pollId}/open`, { method: 'POST', token });
  const poll = await json(`${base}/api/polls/${pollId}`, { token });
  const question = poll.questions[0];
  return { pollId, questionId: question.questionId as string, optionIds: question.options.map((o: { optionId: string }) => o.optionId) as string[] };
}

/** What the voters saw: every acknowledged ballot (201), and every answer that was not one. */
export interface LoadRecord {
  acknowledged: Map<string, string>; // voter → ballotId
  statuses: Map<string, number>; // 'connection', '503', '409' ... → count
  attempts: number;
}

/**
 * `concurrency` voters at a time, each a new open-poll voter (its own user agent), each request
 * with an Idempotency-Key and retried with the same key on a connection error or a 5xx until it
 * gets an answer that settles it, or `giveUpMs` passes. Stops when `stop` aborts.
 */
export async function runLoad(drill: Drill, stop: AbortSignal, options: { concurrency?: number; giveUpMs?: number } = {}): Promise<LoadRecord> {
  const record: LoadRecord = { acknowledged: new Map(), statuses: new Map(), attempts: 0 };
  const count = (key: string) => record.statuses.set(key, (record.statuses.get(key) ?? 0) + 1);
  let next = 0;
  const voter = async () => {
    while (!stop.aborted) {
      const id = `v${next++}`;
      const optionId = drill.poll.optionIds[next % drill.poll.optionIds.length]!;
      const body = JSON.stringify({ answers: [{ questionId: drill.poll.questionId, optionIds: [optionId] }] });
      for (const deadline = Date.now() + (options.giveUpMs ?? 30_000); Date.now() < deadline; ) {
        record.attempts++;
        const answer = await fetch(`${drill.apiUrl()}/api/polls/${drill.poll.pollId}/ballots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': `drill-${id}`, 'idempotency-key': `drill-${id}` },
          body,
          signal: AbortSignal.timeout(15_000),
        }).then(
          async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as { ballotId?: string } | null }),
          () => ({ status: 0, body: null }),
        );
        count(answer.status === 0 ? 'connection' : String(answer.status));
        if (answer.status === 201) {
          record.acknowledged.set(id, answer.body!.ballotId!);
          break;
        }
        if (answer.status !== 0 && answer.status < 500) break; // settled: refused
        await sleep(200);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, voter));
  return record;
}

export interface Verdict {
  acknowledged: number;
  lost: number;
  doubleCounted: number;
  inLog: number;
  freshCount: number;
  readModel: number;
  api: number;
  redis: number;
  recoveryMs: number;
}

/**
 * After the load: waits (up to `limitMs`) until the read model, the API and Redis agree with a
 * fresh count from the log, and says how far each got. Lost: acknowledged but not in the log.
 * Double counted: a voter with two ballots in the log, or any count above the log's.
 */
export async function check(drill: Drill, load: LoadRecord, limitMs = 30_000): Promise<Verdict> {
  const db = new pg.Client({ connectionString: drill.stores.postgres.url });
  await db.connect();
  const redis = new Redis(drill.stores.redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  await redis.connect();
  try {
    const { pollId } = drill.poll;
    const casts = await db.query<{ ballot: string; stream: string }>(
      `SELECT data->>'ballotId' AS ballot, stream FROM events WHERE type = 'BallotCast' AND data->>'pollId' = $1`,
      [pollId],
    );
    const inLog = new Set(casts.rows.map((r) => r.ballot));
    const perStream = new Map<string, number>();
    for (const r of casts.rows) perStream.set(r.stream, (perStream.get(r.stream) ?? 0) + 1);
    const twice = [...perStream.values()].filter((n) => n > 1).length;
    const lost = [...load.acknowledged.values()].filter((b) => !inLog.has(b)).length;
    const freshCount = inLog.size; // an open poll, never closed, no reviews: every cast counts once
    const started = Date.now();
    let readModel = -1;
    let api = -1;
    let redisCount = -1;
    for (;;) {
      readModel = Number((await db.query(`SELECT total_ballots FROM read.result_polls WHERE poll_id = $1`, [pollId])).rows[0]?.total_ballots ?? -1);
      api = await fetch(`${drill.apiUrl()}/api/polls/${pollId}/results`).then(async (r) => (r.ok ? ((await r.json()) as { totalBallots: number }).totalBallots : -1), () => -1);
      redisCount = Number((await redis.hget(`poll:{${pollId}}:counts`, 'total').catch(() => null)) ?? -1);
      if ((readModel === freshCount && api === freshCount && redisCount === freshCount) || Date.now() - started > limitMs) break;
      await sleep(250);
    }
    const above = [readModel, api, redisCount].some((n) => n > freshCount) ? 1 : 0;
    return {
      acknowledged: load.acknowledged.size,
      lost,
      doubleCounted: twice + above,
      inLog: inLog.size,
      freshCount,
      readModel,
      api,
      redis: redisCount,
      recoveryMs: Date.now() - started,
    };
  } finally {
    redis.disconnect();
    await db.end();
  }
}
