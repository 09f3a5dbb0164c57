import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readdir, readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { firstAdmin, jsonClient } from './support/http.ts';
import { formatFigures, numberFlag, stringFlag, processUsage, runConcurrent, throwawayDatabase } from './support/measure.ts';
import { startServer } from './support/server.ts';

/**
 * Ballot ingest through the HTTP API, the server in its own process: N distinct voters (vote
 * tokens issued beforehand) cast ballots on 10 active polls at a fixed concurrency. Printed next
 * to the ceiling of the same database: single-row autocommit INSERTs from as many clients.
 * Usage: npm run bench -- ingest [--ballots N] [--concurrency C] [--rate R] [--fraud on|off|both] [--redis URL] [--server start|serve] [--profile]
 *        npm run bench -- ingest --checkpoints [--ballots N] [--rounds 4]: the cost of audit checkpoints and a witness (ingest-checkpoints.ts)
 *   --rate R      paces the load at R ballots/s (latency at a given load, rather than at saturation)
 *   --fraud       velocity detection on, off, or both (default): both alternates off/on rounds (ABBA) on one
 *                 server (detection switched per poll, limit 0 = off) and prints the cost in %
 *   --redis URL   count velocity in Redis (full stack, one round trip per ballot) instead of in-process;
 *                 give it a database of its own, e.g. redis://127.0.0.1:6379/7
 *   --server      `start` (default): the whole service in one process, projections included, as `npm start`
 *                 runs it; `serve`: an API node alone, as deployed with `pollster worker` processes elsewhere
 *                 (nothing projects the ballots during the run)
 *   --profile     runs the server under --cpu-prof and prints where its CPU time went
 * Every ballot comes from a random client address (X-Forwarded-For, TRUST_PROXY=127.0.0.1), as
 * real traffic does, so detection does all its work but no /24 crosses the limit.
 */
const POLLS = 10;
const ROUNDS = 4; // per mode, in ABBA order, so drift (a warming JIT, a growing table, a neighbour's load) hits both alike
type Mode = 'off' | 'on';

export async function main(args: string[]): Promise<void> {
  if (args.includes('--checkpoints')) return (await import('./ingest-checkpoints.ts')).main(args);
  const ballots = numberFlag(args, 'ballots', 20_000);
  const concurrency = numberFlag(args, 'concurrency', 64);
  const rate = numberFlag(args, 'rate', 0);
  const profile = args.includes('--profile');
  const fraud = stringFlag(args, 'fraud', 'both');
  if (!['on', 'off', 'both'].includes(fraud)) throw new Error('--fraud takes on, off or both');
  const modes: Mode[] = fraud === 'both' ? ['off', 'on'] : [fraud as Mode];
  const redisUrl = stringFlag(args, 'redis', '');
  const command = stringFlag(args, 'server', 'start');
  if (command !== 'start' && command !== 'serve') throw new Error('--server takes start or serve');
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await throwawayDatabase(base, 'pollster_bench_ingest');
  const secret = randomBytes(32).toString('hex');
  const profileDir = profile ? await mkdtemp(join(tmpdir(), 'pollster-prof-')) : undefined;
  const server = await startServer(
    { DATABASE_URL: db.url, JWT_SECRET: secret, RATE_LIMIT_BALLOTS_PER_MINUTE: '0', FRAUD_VELOCITY_LIMIT: '50', TRUST_PROXY: '127.0.0.1', REDIS_URL: redisUrl },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    command,
  );
  try {
    const request = jsonClient(server.url, concurrency);
    const organizer = await firstAdmin(request);
    const perRound = Math.ceil(ballots / ROUNDS);
    const rounds = Array.from({ length: ROUNDS }).flatMap((_, r) => (r % 2 === 0 ? modes : [...modes].reverse()));
    const polls = await Promise.all(rounds.map((mode) => preparePolls(request, organizer, perRound, mode)));
    console.log(
      `cpus ${cpus().length}, ballots ${ballots} per mode in ${ROUNDS} rounds, polls ${POLLS}, concurrency ${concurrency}` +
        `${rate ? `, paced at ${rate}/s` : ''}, fraud ${modes.join(' vs ')}, velocity counter ${redisUrl ? 'Redis' : 'in-process'}, server \`pollster ${command}\``,
    );

    const ceiling = await rawInsertCeiling(db.url, Math.min(ballots, 20_000), concurrency);
    console.log(formatFigures(ceiling, 'rows'));

    const totals = new Map<Mode, { operations: number; seconds: number; errors: number; cpuSeconds: number }>();
    for (const [r, mode] of rounds.entries()) {
      const figures = await castRound(request, polls[r]!, perRound, concurrency, rate, `ballots via HTTP, fraud ${mode} (round ${Math.floor(r / modes.length) + 1})`, server.pid);
      const t = totals.get(mode) ?? { operations: 0, seconds: 0, errors: 0, cpuSeconds: 0 };
      totals.set(mode, { operations: t.operations + figures.operations, seconds: t.seconds + figures.seconds, errors: t.errors + figures.errors, cpuSeconds: t.cpuSeconds + figures.cpuSeconds });
    }
    const rateOf = (mode: Mode) => { const t = totals.get(mode)!; return t.operations / t.seconds; };
    const ceilingRate = ceiling.operations / ceiling.seconds;
    // Server CPU per ballot: the cost detection adds, robust against a busy neighbour slowing the database.
    const cpuOf = (mode: Mode) => (totals.get(mode)!.cpuSeconds / totals.get(mode)!.operations) * 1000;
    for (const mode of modes) {
      console.log(`fraud ${mode}: ${Math.round(rateOf(mode))} ballots/s, server CPU ${cpuOf(mode).toFixed(3)} ms/ballot, ratio to raw INSERT ${(rateOf(mode) / ceilingRate).toFixed(2)} (${totals.get(mode)!.errors} errors)`);
    }
    if (modes.length === 2) {
      const cost = ((rateOf('off') - rateOf('on')) / rateOf('off')) * 100;
      console.log(`cost of detection: ${cost.toFixed(1)}% of throughput (budget 15%), ${(((cpuOf('on') - cpuOf('off')) / cpuOf('off')) * 100).toFixed(1)}% server CPU per ballot`);
    }
  } finally {
    await server.stop();
    await db.drop();
  }
  if (profileDir) await printProfile(profileDir);
}

export type Poll = Awaited<ReturnType<typeof preparePolls>>[number];

/** One measured round: `ballots` ballots over the round's polls, each from a random client address. */
export async function castRound(request: Request, polls: Poll[], ballots: number, concurrency: number, rate: number, name: string, pid: number) {
  const before = processUsage(pid);
  const started = performance.now();
  const cast = async (i: number) => {
    if (rate) {
      const due = started + (i / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const poll = polls[i % POLLS]!;
    const response = await request('POST', `/api/polls/${poll.pollId}/ballots`, {
      answers: [{ questionId: poll.questionId, optionIds: [poll.optionIds[i % poll.optionIds.length]] }],
      voteToken: poll.tokens[Math.floor(i / POLLS)],
    }, { 'x-forwarded-for': randomClient() });
    if (response.status !== 201) throw new Error(`status ${response.status}`);
  };
  const figures = await runConcurrent(name, ballots, concurrency, cast);
  const after = processUsage(pid);
  console.log(formatFigures(figures, 'ballots'));
  console.log(`  server: CPU ${(((after.cpuSeconds - before.cpuSeconds) / figures.seconds) * 100).toFixed(0)}% of one core, RSS ${after.rssMiB.toFixed(0)} MiB`);
  return { ...figures, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

/** A random public-looking IPv4 address: a fresh /24 almost every time, as many real voters are. */
const randomClient = () => `${11 + randomInt(180)}.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`;

export type Request = ReturnType<typeof jsonClient>;

export async function preparePolls(request: Request, organizer: Record<string, string>, ballots: number, mode: Mode) {
  const perPoll = Math.ceil(ballots / POLLS);
  return Promise.all(
    Array.from({ length: POLLS }, async (_, p) => {
      const created = await request('POST', '/api/polls', {
        title: `Bench ${p}`,
        questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] }],
        // off: the poll's own limit 0 (no counter call at all); on: the server default (FRAUD_VELOCITY_LIMIT)
        settings: { voterPolicy: 'token', ...(mode === 'off' ? { fraudVelocityLimit: 0 } : {}) },
      }, organizer);
      if (created.status !== 201) throw new Error(`createPoll ${created.status} ${JSON.stringify(created.body)}`);
      const { pollId } = created.body;
      await request('POST', `/api/polls/${pollId}/open`, undefined, organizer);
      const tokens: string[] = [];
      while (tokens.length < perPoll) {
        const issued = await request('POST', `/api/polls/${pollId}/tokens`, { count: Math.min(10_000, perPoll - tokens.length) }, organizer);
        tokens.push(...issued.body.tokens);
      }
      const poll = (await request('GET', `/api/polls/${pollId}`, undefined, organizer)).body;
      const question = poll.questions[0];
      return { pollId, questionId: question.questionId, optionIds: question.options.map((o: any) => o.optionId), tokens };
    }),
  );
}

/** The database's own ceiling for this write: one single-row autocommit INSERT per ballot. */
async function rawInsertCeiling(url: string, n: number, concurrency: number) {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  await pool.query('CREATE TABLE raw_ballots (LIKE events INCLUDING ALL)');
  const insert = `INSERT INTO raw_ballots (position, id, stream, category, revision, type, data, metadata)
    VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, $1, $2, 'ballot', 0, 'BallotCast', $3, $4)`;
  const figures = await runConcurrent('ceiling: raw single-row INSERT', n, concurrency, (i) =>
    pool.query({ name: 'raw', text: insert, values: [randomUUID(), `ballot-raw-${i}`, { answers: [{ q: 1, o: [i % 3] }] }, { actor: 'bench' }] }),
  );
  await pool.end();
  return figures;
}

async function printProfile(dir: string): Promise<void> {
  const [file] = await readdir(dir);
  if (!file) return;
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
    self.set(where, (self.get(where) ?? 0) + (byNode.get(node.id) ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`server CPU profile (self time, ${dir}):`);
  for (const [where, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${where}`);
  }
}
