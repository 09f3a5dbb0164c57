import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, percentiles, throwawayDatabase } from './support/measure.ts';
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
 *    the 50th voter); target: honest p50 and p99 ≤ 20% slower. The flood's polls already refuse it
 *    when the count begins: a flood's first 50 voters per poll are ballots like any others, so this
 *    measures a flood under way, not a burst of accepted ballots. The flood switches every 500 ms
 *    between off, at the server, and at a stub that answers 428 unread (the floor).
 * Part 1 alternates its kinds in ABBA rounds, part 2 in mirrored slots, so the machine's drift hits each alike.
 */
const ORDER = [0, 1, 1, 0] as const;
type Parts = { nodeMs: number; pgCpu: Map<number, number>; redisS: number; statements: number; byStatement: Map<string, number> };
type Cost = { node: number; pg: number; redis: number; total: number; statements: number };

export async function main(args: string[]): Promise<void> {
  const ballots = numberFlag(args, 'ballots', 16_000);
  const warmup = numberFlag(args, 'warmup', 10_000);
  const concurrency = numberFlag(args, 'concurrency', 64);
  const honestRate = numberFlag(args, 'honest-rate', 1_500);
  const floodRate = numberFlag(args, 'flood-rate', honestRate);
  // The flood's connections: at the default it waits for its answers; with a few thousand it
  // keeps its rate whatever the server does (open loop).
  const floodConcurrency = numberFlag(args, 'flood-concurrency', concurrency);
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
    const setup = { request, organizer, monitor, snapshot, serverUsage: () => server.usage(), perRound, concurrency };
    const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
    if (only !== 'flood') await flaggedCost({ ...setup, warmup, showStatements: args.includes('--statements') });
    if (only !== 'flagged') {
      const stub = await refusingStub();
      try {
        await floodSlowdown({
          ...setup, ballots, warmup, honestRate, floodRate, floodConcurrency,
          serverFlood: jsonClient(server.url, floodConcurrency), stubFlood: jsonClient(stub.url, floodConcurrency),
        });
      } finally {
        stub.close();
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
  /** The server process's CPU so far (user + system, all threads) and its round trips. */
  serverUsage: () => Promise<{ cpuMs: number; statements: number; redisCalls: number }>;
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

/** Part 2's slots, repeated for the whole run: no flood, flood at the server, flood at the stub (the floor), mirrored. */
const SLOTS = [0, 1, 2, 2, 1, 0] as const;
const SLOT_MS = 500;
/** Honest ballots due this soon after a slot changes are not counted: the last slot's flood may still be answered. */
const SETTLE_MS = 100;

/**
 * Part 2: honest voters' latency without a flood, with a flood from one network at the server, and
 * with the same flood sent to a stub that answers 428 without reading a byte of it (the floor: what
 * the flood's client and the kernel's network work cost honest voters on these 2 cores shared with
 * the load generator, which no server-side refusal can go under; the server's own share of the
 * slowdown is the flood's less the floor's). One paced run of honest voters; the flood switches
 * every 500 ms between the three (SLOTS), and each honest ballot counts for the slot it was due in.
 * The host's drift, seen here at ±30% within minutes and in spikes of a second, then falls on the
 * three alike, where rounds of seconds each gave ±30 points between runs.
 */
async function floodSlowdown(
  { request, organizer, monitor, snapshot, serverUsage, ballots, concurrency, warmup, honestRate, floodRate, floodConcurrency, serverFlood, stubFlood }:
  Setup & { ballots: number; warmup: number; honestRate: number; floodRate: number; floodConcurrency: number; serverFlood: Request; stubFlood: Request },
): Promise<void> {
  const kinds = ['no flood', 'flood', 'floor'] as const;
  console.log(
    `\n2. ${ballots} honest token voters at ${honestRate}/s from random networks; a flood at ${floodRate}/s on ${floodConcurrency} connections from one /24 on other open polls (default limits) ` +
      `already refused (428), switched every ${SLOT_MS} ms between ${SLOTS.map((k) => kinds[k]).join(', ')} (floor: the same flood to a stub answering 428 unread); ` +
      `a ballot counts for the slot it was due in, after its first ${SETTLE_MS} ms`,
  );
  // The flood's polls, marked before anything counts: the run meets a flood under way (its first
  // 50 voters per poll are ballots like any others, and their projections run first).
  const network = randomNetwork(); // one network throughout: its marks are per poll and network
  const floodPolls = await preparePolls(request, organizer, 0, 'on', 'open');
  {
    const stop = new AbortController();
    const marked = Promise.withResolvers<void>();
    const flooding = flood(serverFlood, floodPolls, floodRate, floodConcurrency, stop.signal, { onMarked: marked.resolve, network });
    await Promise.race([marked.promise, flooding.then(() => { throw new Error('the flood ended before every poll refused it'); })]);
    stop.abort();
    await flooding;
  }
  if (warmup > 0) {
    // Both paths compiled before anything counts (this part may run alone, on a cold server).
    const stop = new AbortController();
    const flooding = flood(serverFlood, floodPolls, floodRate, floodConcurrency, stop.signal, { network });
    console.log(formatFigures(await castRound(request, await preparePolls(request, organizer, warmup, 'on'), warmup, concurrency, honestRate, 'warm-up, flood (not counted)'), 'ballots'));
    stop.abort();
    await flooding;
  }
  const honest = await preparePolls(request, organizer, ballots, 'on');
  await projectionsCaughtUp(monitor);
  const before = await snapshot();
  const [machine, client] = [await machineCpu(), process.cpuUsage()];
  const startAt = performance.now() + 20;
  const slotOf = (due: number) => Math.floor((due - startAt) / SLOT_MS);
  const kindAt = (due: number) => SLOTS[slotOf(due) % SLOTS.length]!;
  const latencies = kinds.map(() => [] as number[]);
  const stop = new AbortController();
  const sent = new Map<Request, number>();
  const flooding = flood(serverFlood, floodPolls, floodRate, floodConcurrency, stop.signal, { network, startAt, target: (due) => [undefined, serverFlood, stubFlood][kindAt(due)], sent });
  // The server's CPU by kind of slot, read at each slot's end: what a refused request costs it under
  // load is the flood slots' CPU less the no-flood slots', per request the flood sent it.
  const cpuByKind = kinds.map(() => ({ ms: 0, slots: 0, statements: 0, redisCalls: 0 }));
  const sampling = (async () => {
    let last = await serverUsage();
    for (let slot = 0; !stop.signal.aborted; slot++) {
      await sleep(Math.max(0, startAt + (slot + 1) * SLOT_MS - performance.now()));
      if (stop.signal.aborted) break;
      const now = await serverUsage();
      const k = cpuByKind[SLOTS[slot % SLOTS.length]!]!;
      [k.ms, k.slots, k.statements, k.redisCalls] = [k.ms + now.cpuMs - last.cpuMs, k.slots + 1, k.statements + now.statements - last.statements, k.redisCalls + now.redisCalls - last.redisCalls];
      last = now;
    }
  })();
  const figures = await castRound(request, honest, ballots, concurrency, honestRate, 'honest, all slots', undefined, {
    startAt,
    latency: (_i, due, ms) => {
      if (due - startAt - slotOf(due) * SLOT_MS >= SETTLE_MS) latencies[kindAt(due)]!.push(ms);
    },
  });
  stop.abort();
  const [statuses] = await Promise.all([flooding, sampling]);
  const [busy, clientCpu] = [await machineCpu(), process.cpuUsage(client)];
  await projectionsCaughtUp(monitor);
  const after = await snapshot();
  const load = `machine ${(((busy.busyMs - machine.busyMs) / (busy.allMs - machine.allMs)) * 100).toFixed(0)}% busy, load generator ${((clientCpu.user + clientCpu.system) / 1000 / figures.seconds / 10).toFixed(0)}% of a core`;
  console.log(`${formatFigures(figures, 'ballots')}\n  per honest ballot (the flood's work included), ${formatCost(costOf(before, after, figures.operations))}\n  ${load}; flood answers ${[...statuses].sort().map(([s, n]) => `${s}: ${n}`).join(', ')} (sent to the server ${sent.get(serverFlood) ?? 0}, to the stub ${sent.get(stubFlood) ?? 0})`);
  const stats = latencies.map((xs) => ({ n: xs.length, ...percentiles(Float64Array.from(xs)) }));
  for (const [k, kind] of kinds.entries()) console.log(`${kind}: ${stats[k]!.n} honest ballots, p50 ${stats[k]!.p50.toFixed(2)} / p95 ${stats[k]!.p95.toFixed(1)} / p99 ${stats[k]!.p99.toFixed(1)} ms`);
  const slower = (k: number, q: 'p50' | 'p99') => ((stats[k]![q] - stats[0]![q]) / stats[0]![q]) * 100;
  console.log(
    `honest voters slower: under the flood p50 ${slower(1, 'p50').toFixed(1)}%, p99 ${slower(1, 'p99').toFixed(1)}% (target ≤ 20%); under the floor p50 ${slower(2, 'p50').toFixed(1)}%, p99 ${slower(2, 'p99').toFixed(1)}%; ` +
      `the server's share (flood less floor) p50 ${(slower(1, 'p50') - slower(2, 'p50')).toFixed(1)}, p99 ${(slower(1, 'p99') - slower(2, 'p99')).toFixed(1)} points`,
  );
  const perSecond = cpuByKind.map((c) => c.ms / ((c.slots * SLOT_MS) / 1000));
  const refusedPerSecond = (sent.get(serverFlood) ?? 0) / ((cpuByKind[1]!.slots * SLOT_MS) / 1000);
  console.log(
    `server CPU (Node, all threads): ${kinds.map((kind, k) => `${kind} ${perSecond[k]!.toFixed(0)} ms/s`).join(', ')}; ` +
      `a refused request under this load costs ${((perSecond[1]! - perSecond[0]!) / refusedPerSecond).toFixed(3)} ms (${Math.round(refusedPerSecond)} refused/s in the flood's slots)\n` +
      `  round trips per honest ballot: ${kinds.map((kind, k) => `${kind} SQL ${(cpuByKind[k]!.statements / (honestRate * cpuByKind[k]!.slots * SLOT_MS / 1000)).toFixed(2)}, Redis ${(cpuByKind[k]!.redisCalls / (honestRate * cpuByKind[k]!.slots * SLOT_MS / 1000)).toFixed(2)}`).join('; ')}`,
  );
  await floodAlone(serverFlood, await preparePolls(request, organizer, 0, 'on', 'open'), floodRate, floodConcurrency, snapshot, monitor);
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
  console.log(`the flood alone at ${rate}/s on ${concurrency} connections (served last, at the pace the node serves such requests): answers ${[...statuses].sort().map(([s, k]) => `${s}: ${k}`).join(', ')}; per request, ${formatCost(costOf(before, after, n)).replaceAll('ballot', 'request')}`);
}

/** Ballots from one /24 at `rate`/s until `stop`, none with a solved challenge; the answers by status (0: no answer). */
const randomNetwork = () => randomClient().split('.').slice(0, 3).join('.');

/**
 * `count`: stop after that many requests; `onMarked`: called once every poll has answered 428;
 * `startAt`: request 0's due time; `target`: where the request due at that time goes (none: skipped);
 * `sent`: counts the requests sent, by target.
 */
async function flood(
  request: Request, polls: Poll[], rate: number, concurrency: number, stop: AbortSignal,
  { count = Infinity, network = randomNetwork(), onMarked, startAt, target, sent }:
  { count?: number; network?: string; onMarked?: () => void; startAt?: number; target?: (due: number) => Request | undefined; sent?: Map<Request, number> } = {},
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const refusing = new Set<string>();
  const started = startAt ?? performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; !stop.aborted && i < count; i = next++) {
        const due = started + (i / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (stop.aborted) break;
        const to = target ? target(due) : request;
        if (to === undefined) continue; // a slot without the flood
        sent?.set(to, (sent.get(to) ?? 0) + 1);
        const poll = polls[i % polls.length]!;
        const body = { answers: [{ questionId: poll.questionId, optionIds: [poll.optionIds[i % poll.optionIds.length]] }] };
        const headers = { 'x-forwarded-for': `${network}.${1 + randomInt(254)}`, 'user-agent': userAgent() };
        const { status } = await to('POST', `/api/polls/${poll.pollId}/ballots`, body, headers).catch(() => ({ status: 0 }));
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
