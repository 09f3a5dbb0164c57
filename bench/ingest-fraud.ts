import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, throwawayDatabase, type Figures } from './support/measure.ts';
import { countRoundTrips, startServer, type ServerProcess } from './support/server.ts';
import { backendCpu, backendCpuBetween, privateNats, privateRedis, redisCpuSeconds } from './support/stack.ts';
import { castRound, machineCpu, POLLS, preparePolls, printStatements, projectionsCaughtUp, randomClient, type Poll, type Request } from './ingest.ts';

/**
 * `npm run bench -- ingest --fraud-path`: the two targets of the fraud path, on one `pollster
 * start` with fraud detection at its defaults and a Redis and NATS of the bench's own.
 * 1. A flagged ballot against a clean one (target: ≤ 1.5× the CPU). Fresh `open` polls each round,
 *    velocity limit 1,000,000 on both kinds so no challenge ever fires and they differ in the flag
 *    alone: clean, every ballot from a random address; flagged, one address per poll with a new
 *    user agent per ballot, so past the 10th voter (FRAUD_FINGERPRINT_LIMIT) each is flagged `fingerprint`.
 * 2. Honest token voters paced at --honest-rate, each from a random network, without and with a flood
 *    from one /24 on other `open` polls at --flood-rate (default limits, no challenge solved: 428 past
 *    the 50th voter); target: honest p50 and p99 ≤ 20% slower. The honest round starts once every
 *    flood poll has answered 428: a flood's first 50 voters per poll are ballots like any others, so
 *    the rounds measure a flood under way, not a burst of accepted ballots (--flood-onset counts it too).
 * Both alternate their two kinds in ABBA rounds, so the machine's drift hits both alike.
 */
const ORDER = [0, 1, 1, 0] as const;
type Parts = { nodeMs: number; pgCpu: Map<number, number>; redisS: number; statements: number; byStatement: Map<string, number> };
type Cost = { node: number; pg: number; redis: number; total: number; statements: number };

export async function main(args: string[]): Promise<void> {
  const ballots = numberFlag(args, 'ballots', 16_000);
  const warmup = numberFlag(args, 'warmup', 2_000);
  const concurrency = numberFlag(args, 'concurrency', 64);
  const honestRate = numberFlag(args, 'honest-rate', 1_500);
  const floodRate = numberFlag(args, 'flood-rate', honestRate);
  const perRound = Math.ceil(ballots / ORDER.length);
  const db = await throwawayDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'pollster_bench_fraud');
  const [redis, nats] = [await privateRedis(), await privateNats()];
  const server = await startServer({
    DATABASE_URL: db.url, JWT_SECRET: randomBytes(32).toString('hex'), RATE_LIMIT_BALLOTS_PER_MINUTE: '0', TRUST_PROXY: '127.0.0.1',
    REDIS_URL: redis.url, NATS_URL: nats.url,
  }, countRoundTrips);
  const monitor = new pg.Client({ connectionString: db.url });
  await monitor.connect();
  try {
    const request = jsonClient(server.url, concurrency);
    const organizer = await firstAdmin(request);
    const dbName = new URL(db.url).pathname.slice(1);
    const snapshot = async (): Promise<Parts> => {
      const usage = await server.usage();
      return { nodeMs: usage.cpuMs, pgCpu: await backendCpu(monitor, dbName), redisS: redisCpuSeconds(await redis.info()), statements: usage.statements, byStatement: new Map(usage.byStatement) };
    };
    console.log(`${cpus().length} CPU cores; \`pollster start\`, fraud detection at its defaults, Redis and NATS of the bench's own; ${perRound} ballots per round, concurrency ${concurrency}, ${POLLS} polls per round`);
    const setup = { request, organizer, monitor, snapshot, perRound, concurrency };
    const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
    if (only !== 'flood') await flaggedCost({ ...setup, warmup, showStatements: args.includes('--statements') });
    if (only !== 'flagged') {
      // --flood-floor: the flood goes to a stub that answers 428 without reading a byte of it, so
      // what slows honest voters then is the flood's client and the kernel's network work on these
      // 2 cores, not the server: the floor under any server-side refusal on this machine.
      const floor = args.includes('--flood-floor') ? await refusingStub() : undefined;
      try {
        await floodSlowdown({ ...setup, warmup, honestRate, floodRate, floodRequest: jsonClient(floor?.url ?? server.url, concurrency), floor: floor !== undefined, onset: args.includes('--flood-onset') });
      } finally {
        floor?.close();
      }
    }
  } finally {
    await monitor.end();
    await server.stop();
    redis.stop();
    nats.stop();
    await db.drop();
  }
}

interface Setup {
  request: Request;
  organizer: Record<string, string>;
  monitor: pg.Client;
  snapshot: () => Promise<Parts>;
  perRound: number;
  concurrency: number;
}

/** Part 1: CPU and round trips per ballot of flagged rounds against clean ones. */
async function flaggedCost({ request, organizer, monitor, snapshot, perRound, concurrency, warmup, showStatements }: Setup & { warmup: number; showStatements: boolean }): Promise<void> {
  const kinds = ['clean', 'flagged'] as const;
  // A new address per ballot, or one address per poll (castRound casts ballot i on poll i % POLLS).
  const headers = (kind: (typeof kinds)[number]) => {
    const addresses = Array.from({ length: POLLS }, randomClient);
    return (i: number) => ({ 'x-forwarded-for': kind === 'clean' ? randomClient() : addresses[i % POLLS]!, 'user-agent': userAgent() });
  };
  const openPolls = (n: number) => preparePolls(request, organizer, n, 'on', 'open', { fraudVelocityLimit: 1_000_000 });
  console.log(`\n1. flagged vs clean ballots, open polls with velocity limit 1,000,000, rounds ${ORDER.map((k) => kinds[k]).join(' ')} after ${warmup} not counted`);
  // Both paths compiled and the heap grown before counting: half the warm-up clean, half flagged.
  for (const kind of kinds) {
    if (warmup > 0) console.log(formatFigures(await castRound(request, await openPolls(0), Math.ceil(warmup / 2), concurrency, 0, `warm-up, ${kind} (not counted)`, headers(kind)), 'ballots'));
  }
  await projectionsCaughtUp(monitor);
  const totals = kinds.map(() => ({ n: 0, seconds: 0, cost: undefined as Cost | undefined, byStatement: new Map<string, number>() }));
  for (const [r, k] of ORDER.entries()) {
    const kind = kinds[k];
    const polls = await openPolls(0);
    const before = await snapshot();
    const figures = await castRound(request, polls, perRound, concurrency, 0, `${kind} (round ${r + 1})`, headers(kind));
    await projectionsCaughtUp(monitor); // the review queue row and read models are part of the ballot's cost
    const after = await snapshot();
    const cost = costOf(before, after, figures.operations);
    const flagged = await flagsOn(monitor, polls);
    console.log(`${formatFigures(figures, 'ballots')}\n  ${formatCost(cost)}; flagged ${flagged} of ${figures.operations}`);
    // Past each poll's 10th voter every ballot of a flagged round must be flagged, and none of a clean one.
    const expected = kind === 'flagged' ? figures.operations - 10 * POLLS : 0;
    if (Math.abs(flagged - expected) > figures.operations * 0.01) throw new Error(`${kind} round: ${flagged} ballots flagged, expected about ${expected}`);
    const t = totals[k]!;
    t.cost = t.cost ? weigh(t.cost, t.n, cost, figures.operations) : cost;
    t.n += figures.operations;
    for (const [key, n] of after.byStatement) t.byStatement.set(key, (t.byStatement.get(key) ?? 0) + n - (before.byStatement.get(key) ?? 0));
    t.seconds += figures.seconds;
  }
  for (const [k, kind] of kinds.entries()) {
    console.log(`${kind}: ${Math.round(totals[k]!.n / totals[k]!.seconds)} ballots/s, ${formatCost(totals[k]!.cost!)}`);
    if (showStatements) printStatements(new Map(), totals[k]!.byStatement, totals[k]!.n, `${kind} rounds`);
  }
  const [clean, flagged] = totals;
  console.log(
    `flagged/clean: total CPU per ballot ${(flagged!.cost!.total / clean!.cost!.total).toFixed(2)}× (target ≤ 1.5×), ` +
      `throughput ${(flagged!.n / flagged!.seconds / (clean!.n / clean!.seconds)).toFixed(2)}×, SQL statements per ballot ${(flagged!.cost!.statements / clean!.cost!.statements).toFixed(2)}×`,
  );
}

/** Part 2: honest voters' latency with and without a flood from one network at the same time. */
async function floodSlowdown({ request, organizer, monitor, snapshot, perRound, concurrency, warmup, honestRate, floodRate, floodRequest, floor, onset }: Setup & { warmup: number; honestRate: number; floodRate: number; floodRequest: Request; floor: boolean; onset: boolean }): Promise<void> {
  const kinds = ['no flood', 'flood'] as const;
  const target = floor ? 'to a stub answering 428 unread (--flood-floor)' : 'from one /24 on other open polls (default limits)';
  const from = floor || onset ? 'from its first request' : 'counted from its first 428 on every poll';
  console.log(`\n2. honest token voters at ${honestRate}/s from random networks, rounds ${ORDER.map((k) => kinds[k]).join(' ')}; flood at ${floodRate}/s ${target}, ${from}`);
  if (warmup > 0) {
    // Both paths compiled before anything counts (this part may run alone, on a cold server).
    const stop = new AbortController();
    const flooding = flood(floodRequest, await preparePolls(request, organizer, 0, 'on', 'open'), floodRate, concurrency, stop.signal);
    console.log(formatFigures(await castRound(request, await preparePolls(request, organizer, warmup, 'on'), warmup, concurrency, honestRate, 'warm-up, flood (not counted)'), 'ballots'));
    stop.abort();
    await flooding;
  }
  const totals = kinds.map(() => ({ rounds: [] as Figures[], nodeMs: 0 }));
  for (const [r, k] of ORDER.entries()) {
    const honest = await preparePolls(request, organizer, perRound, 'on');
    const floodPolls = k === 1 ? await preparePolls(request, organizer, 0, 'on', 'open') : [];
    const before = await snapshot();
    const [machine, client] = [await machineCpu(), process.cpuUsage()];
    const stop = new AbortController();
    const marked = Promise.withResolvers<void>();
    const flooding = k === 1 ? flood(floodRequest, floodPolls, floodRate, concurrency, stop.signal, { onMarked: marked.resolve }) : undefined;
    if (flooding && !onset) await Promise.race([marked.promise, flooding.then(() => { throw new Error('the flood ended before every poll refused it'); })]);
    const figures = await castRound(request, honest, perRound, concurrency, honestRate, `honest, ${kinds[k]} (round ${r + 1})`);
    stop.abort();
    const statuses = await flooding;
    const [busy, clientCpu] = [await machineCpu(), process.cpuUsage(client)];
    await projectionsCaughtUp(monitor);
    const after = await snapshot();
    const nodeMs = after.nodeMs - before.nodeMs;
    const answers = statuses ? `; flood answers ${[...statuses].sort().map(([s, n]) => `${s}: ${n}`).join(', ')}` : '';
    // The load generator shares the machine: how busy it was, and the bench's own part, say whether the server was starved.
    const load = `machine ${(((busy.busyMs - machine.busyMs) / (busy.allMs - machine.allMs)) * 100).toFixed(0)}% busy, load generator ${((clientCpu.user + clientCpu.system) / 1000 / figures.seconds / 10).toFixed(0)}% of a core`;
    console.log(`${formatFigures(figures, 'ballots')}\n  per honest ballot, ${formatCost(costOf(before, after, figures.operations))}\n  ${load}${answers}`);
    totals[k]!.rounds.push(figures);
    totals[k]!.nodeMs += nodeMs;
  }
  // Percentiles per kind: the mean of its rounds' (each round's figures keep only its percentiles).
  const mean = (k: number, f: (x: Figures) => number) => totals[k]!.rounds.reduce((a, x) => a + f(x), 0) / totals[k]!.rounds.length;
  for (const [k, kind] of kinds.entries()) {
    const n = totals[k]!.rounds.reduce((a, x) => a + x.operations, 0);
    const seconds = totals[k]!.rounds.reduce((a, x) => a + x.seconds, 0);
    console.log(`${kind}: honest ${Math.round(n / seconds)} ballots/s, p50 ${mean(k, (x) => x.p50).toFixed(1)} / p95 ${mean(k, (x) => x.p95).toFixed(1)} / p99 ${mean(k, (x) => x.p99).toFixed(1)} ms, server CPU ${(totals[k]!.nodeMs / n).toFixed(3)} ms per honest ballot`);
  }
  const slower = (f: (x: Figures) => number) => `${(((mean(1, f) - mean(0, f)) / mean(0, f)) * 100).toFixed(1)}%`;
  console.log(`honest voters under the flood: p50 ${slower((x) => x.p50)}, p99 ${slower((x) => x.p99)} slower (target ≤ 20%)`);
  if (!floor) await floodAlone(floodRequest, await preparePolls(request, organizer, 0, 'on', 'open'), floodRate, concurrency, snapshot, monitor);
}

/** A TCP stub that answers every chunk it receives with one fixed 428, parsing nothing. */
async function refusingStub(): Promise<{ url: string; close: () => void }> {
  const body = '{"code":"fraud.challenge-required"}';
  const answer = `HTTP/1.1 428 Precondition Required\r\ncontent-type: application/problem+json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  const sockets = new Set<Socket>();
  const stub = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', () => socket.write(answer));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const close = () => {
    stub.close();
    for (const socket of sockets) socket.destroy(); // the flood's keep-alive connections would hold the bench open
  };
  return { url: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, close };
}

/** What one refused request of a flood costs the server, the flood alone for 3 s (after its first 1,000 answers, which include the voters counted before the mark). */
async function floodAlone(request: Request, polls: Poll[], rate: number, concurrency: number, snapshot: () => Promise<Parts>, monitor: pg.Client): Promise<void> {
  const network = randomNetwork();
  await flood(request, polls, rate, concurrency, new AbortController().signal, { count: 1_000, network });
  await projectionsCaughtUp(monitor);
  const before = await snapshot();
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 3_000);
  const statuses = await flood(request, polls, rate, concurrency, stop.signal, { network });
  const after = await snapshot();
  const n = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(`the flood alone at ${rate}/s: answers ${[...statuses].sort().map(([s, k]) => `${s}: ${k}`).join(', ')}; per request, ${formatCost(costOf(before, after, n)).replaceAll('ballot', 'request')}`);
}

/** Ballots from one /24 at `rate`/s until `stop`, none with a solved challenge; the answers by status (0: no answer). */
const randomNetwork = () => randomClient().split('.').slice(0, 3).join('.');

/** `count`: stop after that many requests; `onMarked`: called once every poll has answered 428. */
async function flood(
  request: Request, polls: Poll[], rate: number, concurrency: number, stop: AbortSignal,
  { count = Infinity, network = randomNetwork(), onMarked }: { count?: number; network?: string; onMarked?: () => void } = {},
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const refusing = new Set<string>();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; !stop.aborted && i < count; i = next++) {
        const wait = started + (i / rate) * 1000 - performance.now();
        if (wait > 0) await sleep(wait);
        if (stop.aborted) break;
        const poll = polls[i % polls.length]!;
        const body = { answers: [{ questionId: poll.questionId, optionIds: [poll.optionIds[i % poll.optionIds.length]] }] };
        const headers = { 'x-forwarded-for': `${network}.${1 + randomInt(254)}`, 'user-agent': userAgent() };
        const { status } = await request('POST', `/api/polls/${poll.pollId}/ballots`, body, headers).catch(() => ({ status: 0 }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 428 && refusing.size < polls.length && refusing.add(poll.pollId).size === polls.length) onMarked?.();
      }
    }),
  );
  return statuses;
}

/** A browser-like user agent, new each call: on `open` polls each is a new voter. */
const userAgent = () => `Mozilla/5.0 (X11; Linux x86_64; rv:${randomBytes(6).toString('hex')}) Gecko/20100101 Firefox/133.0`;

/** BallotFlagged events of these polls, from the log itself. */
async function flagsOn(monitor: pg.Client, polls: Poll[]): Promise<number> {
  const { rows } = await monitor.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'BallotFlagged' AND data->>'pollId' = ANY($1)", [polls.map((p) => p.pollId)]);
  return rows[0]!.n;
}

function costOf(before: Parts, after: Parts, n: number): Cost {
  const [node, pgMs, redis] = [after.nodeMs - before.nodeMs, backendCpuBetween(before.pgCpu, after.pgCpu) * 1000, (after.redisS - before.redisS) * 1000];
  return { node: node / n, pg: pgMs / n, redis: redis / n, total: (node + pgMs + redis) / n, statements: (after.statements - before.statements) / n };
}

/** Per-ballot costs of two sets of rounds together, weighed by their ballots. */
function weigh(a: Cost, na: number, b: Cost, nb: number): Cost {
  const w = (x: number, y: number) => (x * na + y * nb) / (na + nb);
  return { node: w(a.node, b.node), pg: w(a.pg, b.pg), redis: w(a.redis, b.redis), total: w(a.total, b.total), statements: w(a.statements, b.statements) };
}

const formatCost = (c: Cost) =>
  `CPU ms/ballot: node ${c.node.toFixed(3)}, postgres backends ${c.pg.toFixed(3)}, redis ${c.redis.toFixed(3)}, total ${c.total.toFixed(3)}; SQL statements/ballot ${c.statements.toFixed(2)}`;
