import { randomInt } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, processUsage, runConcurrent, throwawayDatabase } from './support/measure.ts';
import { freePort, startServer } from './support/server.ts';
import WebSocket from 'ws';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vote tokens at scale, the server in its own process (`pollster start`): issue `--tokens` tokens
 * to one poll in batches of `--batch` (per-request latency, first and last tenth apart, and the
 * server's heap and RSS before and after), then cast `--ballots` ballots with tokens from across
 * the batches (each a registry lookup in the log), next to the same number of ballots on an `open`
 * poll (no token to look up) as the baseline, interleaved. The heap is the server's own after a full
 * collection, asked through its inspector (the server runs with --inspect on a loopback port).
 * Usage: npm run bench -- tokens [--tokens 100000] [--batch 10000] [--ballots 4000] [--concurrency 32]
 */
export async function main(args: string[]): Promise<void> {
  const total = numberFlag(args, 'tokens', 100_000);
  const batch = Math.min(10_000, numberFlag(args, 'batch', 10_000));
  const ballots = numberFlag(args, 'ballots', 4_000);
  const concurrency = numberFlag(args, 'concurrency', 32);
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await throwawayDatabase(base, 'pollster_bench_tokens');
  const inspectPort = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'pollster-bench-tokens-'));
  const server = await startServer(
    { DATABASE_URL: db.url, POLLSTER_DATA_DIR: dataDir, RATE_LIMIT_BALLOTS_PER_MINUTE: '0', FRAUD_VELOCITY_LIMIT: '0', TRUST_PROXY: '127.0.0.1' },
    [`--inspect=127.0.0.1:${inspectPort}`],
  );
  const heap = await inspectHeap(inspectPort);
  try {
    const request = jsonClient(server.url, concurrency);
    const organizer = await firstAdmin(request);
    const tokenPoll = await createPoll(request, organizer, 'token');
    const openPoll = await createPoll(request, organizer, 'open');
    console.log(`cpus ${cpus().length}, ${total} tokens in batches of ${batch}, ${ballots} ballots per kind, concurrency ${concurrency}`);

    // Settle the freshly started server (JIT, pools) with one small issuance before the baseline.
    await request('POST', `/api/polls/${tokenPoll.pollId}/tokens`, { count: 10 }, organizer);
    const before = { ...processUsage(server.pid), heapMiB: await heap.usedAfterGcMiB() };
    const tokens: string[] = [];
    const latencies: number[] = [];
    const started = performance.now();
    while (tokens.length < total) {
      const t0 = performance.now();
      const issued = await request('POST', `/api/polls/${tokenPoll.pollId}/tokens`, { count: Math.min(batch, total - tokens.length) }, organizer);
      latencies.push(performance.now() - t0);
      if (issued.status !== 201) throw new Error(`issueVoteTokens ${issued.status} ${JSON.stringify(issued.body)}`);
      tokens.push(...issued.body.tokens);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = { ...processUsage(server.pid), heapMiB: await heap.usedAfterGcMiB() };
    const tenth = Math.max(1, Math.floor(latencies.length / 10));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `issue ${total} tokens: ${latencies.length} requests in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} tokens/s); ` +
        `ms per request: first ${tenth} ${mean(latencies.slice(0, tenth)).toFixed(0)}, last ${tenth} ${mean(latencies.slice(-tenth)).toFixed(0)}, max ${Math.max(...latencies).toFixed(0)}`,
    );
    console.log(
      `server heap used ${before.heapMiB.toFixed(1)} → ${after.heapMiB.toFixed(1)} MiB (${(((after.heapMiB - before.heapMiB) * 1024 * 1024) / total).toFixed(1)} bytes per token, after a full GC), ` +
        `RSS ${before.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB`,
    );

    // Tokens spread over every batch, so lookups hit the whole index rather than the last page.
    const step = Math.max(1, Math.floor(tokens.length / ballots));
    const voters = Array.from({ length: Math.min(ballots, tokens.length) }, (_, i) => tokens[i * step]!);
    const cast = (poll: Poll, body: Record<string, unknown>) =>
      request('POST', `/api/polls/${poll.pollId}/ballots`, { answers: [{ questionId: poll.questionId, optionIds: [poll.optionId] }], ...body }, { 'x-forwarded-for': randomClient() }).then((r) => {
        if (r.status !== 201) throw new Error(`castBallot ${r.status} ${JSON.stringify(r.body)}`);
      });
    const rounds = 4;
    const per = Math.ceil(voters.length / rounds);
    const figures = { token: [] as number[], open: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const slice = voters.slice(r * per, (r + 1) * per);
      const order = r % 2 === 0 ? (['token', 'open'] as const) : (['open', 'token'] as const);
      for (const kind of order) {
        const result = await runConcurrent(`cast, ${kind === 'token' ? 'token voters (registry lookup)' : 'open poll (no token)'} r${r + 1}`, slice.length, concurrency, (i) =>
          kind === 'token' ? cast(tokenPoll, { voteToken: slice[i] }) : cast(openPoll, {}),
        );
        console.log(formatFigures(result, 'ballots'));
        figures[kind].push(result.p50, result.p95);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const p50 = (kind: 'token' | 'open') => median(figures[kind].filter((_, i) => i % 2 === 0));
    const p95 = (kind: 'token' | 'open') => median(figures[kind].filter((_, i) => i % 2 === 1));
    console.log(`cast latency, median of ${rounds} rounds: token voters p50 ${p50('token').toFixed(1)} ms p95 ${p95('token').toFixed(1)} ms; open poll p50 ${p50('open').toFixed(1)} ms p95 ${p95('open').toFixed(1)} ms (${cpus().length} cores)`);
  } finally {
    heap.close();
    await server.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

type Poll = { pollId: string; questionId: string; optionId: string };
type Request = ReturnType<typeof jsonClient>;

async function createPoll(request: Request, organizer: Record<string, string>, voterPolicy: 'token' | 'open'): Promise<Poll> {
  const created = await request('POST', '/api/polls', {
    title: `Bench ${voterPolicy}`,
    questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }] }],
    settings: { voterPolicy, fraudVelocityLimit: 0 },
  }, organizer);
  if (created.status !== 201) throw new Error(`createPoll ${created.status} ${JSON.stringify(created.body)}`);
  const { pollId } = created.body;
  await request('POST', `/api/polls/${pollId}/open`, undefined, organizer);
  const poll = (await request('GET', `/api/polls/${pollId}`, undefined, organizer)).body;
  return { pollId, questionId: poll.questions[0].questionId, optionId: poll.questions[0].options[0].optionId };
}

/** The server's V8 heap in use after a full collection, through the inspector protocol. */
async function inspectHeap(port: number) {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const mine = ++id;
      const onMessage = (raw: WebSocket.RawData) => {
        const message = JSON.parse(raw.toString());
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  return {
    async usedAfterGcMiB(): Promise<number> {
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const { result } = await send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
      return Number(result.value) / 1024 / 1024;
    },
    close: () => socket.close(),
  };
}

/** A random public-looking IPv4 address: open-poll voters are told apart by it. */
const randomClient = () => `${11 + randomInt(180)}.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`;
