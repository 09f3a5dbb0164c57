import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, processUsage, throwawayDatabase } from './support/measure.ts';
import { startServer } from './support/server.ts';
import { castRound, preparePolls } from './ingest.ts';

/**
 * `npm run bench -- ingest --checkpoints`: ballot ingest (`pollster start`, 10 token polls, fraud
 * detection off) with audit checkpoints as configured by default (a poll with traffic is signed
 * within AUDIT_CHECKPOINT_SECONDS = 5 s, the job looking every second) and a witness following the
 * feed every second, against the same with the checkpoint job idle (it looks once a day). A round is
 * a fresh database and server; rounds alternate off, on, on, off, ... so the machine's drift hits
 * both alike. After each round with checkpoints: how long after the last ballot of each poll a
 * checkpoint covered it, and the longest time between two checkpoints of a poll under traffic.
 */
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
type Mode = 'off' | 'on';

export async function main(args: string[]): Promise<void> {
  const ballots = numberFlag(args, 'ballots', 60_000);
  const rounds = numberFlag(args, 'rounds', 4);
  const concurrency = numberFlag(args, 'concurrency', 64);
  const perRound = Math.ceil(ballots / rounds);
  const order: Mode[] = Array.from({ length: rounds }, (_, r) => (['off', 'on', 'on', 'off'] as const)[r % 4]!);
  console.log(`cpus ${cpus().length}, ${perRound} ballots per round, rounds ${order.join(' ')}, concurrency ${concurrency}, 10 polls, server \`pollster start\``);
  const totals = { off: { n: 0, s: 0, cpu: 0 }, on: { n: 0, s: 0, cpu: 0 } };
  // --profile: each round's server under --cpu-prof, in a folder per setting, to compare the two.
  const profiles = args.includes('--profile') ? await mkdtemp(join(tmpdir(), 'pollster-prof-ckpt-')) : undefined;
  for (const mode of order) {
    const figures = await round(mode, perRound, concurrency, profiles && join(profiles, mode));
    totals[mode].n += figures.operations;
    totals[mode].s += figures.seconds;
    totals[mode].cpu += figures.cpuSeconds;
  }
  const rate = (m: Mode) => totals[m].n / totals[m].s;
  const cpu = (m: Mode) => (totals[m].cpu / totals[m].n) * 1000;
  for (const m of ['off', 'on'] as const) console.log(`checkpoints ${m}: ${Math.round(rate(m))} ballots/s, server CPU ${cpu(m).toFixed(3)} ms/ballot`);
  if (profiles) console.log(`server CPU profiles: ${profiles}/off and ${profiles}/on`);
  console.log(`cost of checkpointing and a witness: ${(((rate('off') - rate('on')) / rate('off')) * 100).toFixed(1)}% of throughput (budget 5%), ${(((cpu('on') - cpu('off')) / cpu('off')) * 100).toFixed(1)}% server CPU per ballot`);
}

async function round(mode: Mode, ballots: number, concurrency: number, profileDir?: string) {
  const db = await throwawayDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'pollster_bench_checkpoints');
  const dataDir = await mkdtemp(join(tmpdir(), 'pollster-bench-ckpt-'));
  const idle = { AUDIT_CHECKPOINT_INTERVAL_MS: '86400000', AUDIT_CHECKPOINT_SECONDS: '86400', AUDIT_CHECKPOINT_EVENTS: '1000000000' };
  const server = await startServer({
    DATABASE_URL: db.url, JWT_SECRET: randomBytes(32).toString('hex'), RATE_LIMIT_BALLOTS_PER_MINUTE: '0', FRAUD_VELOCITY_LIMIT: '0',
    TRUST_PROXY: '127.0.0.1', POLLSTER_DATA_DIR: dataDir, ...(mode === 'off' ? idle : {}),
  }, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  let witness: ReturnType<typeof spawn> | undefined;
  try {
    const request = jsonClient(server.url, concurrency);
    const organizer = await firstAdmin(request);
    const polls = await preparePolls(request, organizer, ballots, 'off');
    if (mode === 'on') {
      const key = (await request('GET', '/api/audit/public-key')).body.keyId as string;
      witness = spawn(process.execPath, [MAIN, 'audit', 'witness', '--from', server.url, '--key', key, '--state', join(dataDir, 'witness'), '--interval', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const before = processUsage(server.pid);
    const figures = await castRound(request, polls, ballots, concurrency, 0, `ballots via HTTP, checkpoints ${mode}`);
    const after = processUsage(server.pid);
    console.log(formatFigures(figures, 'ballots'));
    console.log(`  server: CPU ${(((after.cpuSeconds - before.cpuSeconds) / figures.seconds) * 100).toFixed(0)}% of one core, RSS ${after.rssMiB.toFixed(0)} MiB`);
    if (mode === 'on') await windows(request, polls.map((p) => p.pollId));
    return { ...figures, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
  } finally {
    witness?.kill('SIGTERM');
    await server.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** From the feed: each poll's longest time between checkpoints, and how long after the round its last ballot waited. */
async function windows(request: ReturnType<typeof jsonClient>, pollIds: string[]): Promise<void> {
  const ended = Date.now();
  const head = BigInt((await request('GET', '/api/audit/checkpoints?after=0&limit=1')).body.head);
  const covered = new Map<string, number>();
  const signed = new Map<string, number[]>();
  let after = 0n;
  for (let i = 0; i < 300 && covered.size < pollIds.length; i++) {
    const page = (await request('GET', `/api/audit/checkpoints?after=${after}&limit=1000`)).body;
    for (const item of page.items) {
      if (item.kind !== 'checkpoint') continue;
      const c = item.checkpoint;
      signed.set(c.pollId, [...(signed.get(c.pollId) ?? []), Date.parse(c.signedAt)]);
      if (BigInt(c.through) >= head && !covered.has(c.pollId)) covered.set(c.pollId, Date.parse(c.signedAt) - ended);
    }
    after = BigInt(page.next);
    if (page.items.length === 0) await sleep(100);
  }
  const gaps = [...signed.values()].flatMap((times) => times.slice(1).map((t, i) => t - times[i]!));
  const waits = [...covered.values()];
  console.log(`  checkpoints: ${[...signed.values()].reduce((n, t) => n + t.length, 0)} for ${signed.size} polls; longest time between two of a poll ${gaps.length === 0 ? 'n/a (one each: the round was shorter than AUDIT_CHECKPOINT_SECONDS)' : `${(Math.max(...gaps) / 1000).toFixed(1)} s`}; the round's last ballots covered ${(Math.max(...waits) / 1000).toFixed(1)} s after it ended (${covered.size}/${pollIds.length} polls)`);
}
