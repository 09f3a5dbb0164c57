import { cpus } from 'node:os';

/**
 * `npm run bench -- <name> [flags]`: runs one benchmark (or all, with no name). Each prints its
 * figures next to a baseline measured in the same run, with the machine's core count.
 */
interface Benchmark {
  describe: string;
  flags: string;
  /** What each flag does, for `<name> --help`, where one line of flags does not say enough. */
  help?: () => Promise<string>;
  load: () => Promise<{ main(args: string[]): Promise<void> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  append: {
    describe: 'event store appends (group commit) vs raw single-row INSERT, same database',
    flags: '[--events 30000] [--concurrency 64] [--flushers 2] [--rounds 3]',
    load: () => import('./append.ts'),
  },
  import: {
    describe: 'bulk user import of a generated CSV (100k rows by default), then the same file again (all skipped)',
    flags: '[--rows 100000] [--concurrency 32] [--passwords 0]',
    load: () => import('./import.ts'),
  },
  live: {
    describe: 'live edge: 10k websocket viewers of one poll, then 100 polls x 100, ballots at 1,000/s',
    flags: '[--viewers 10000] [--rate 1000] [--seconds 20] [--polls 100] [--per-poll 100] [--client-processes 2] [--sessions own|shared]',
    load: () => import('./live.ts'),
  },
  projections: {
    describe: 'projection lag at 5,000 ballots/s (read model + NATS), then rebuild speed over 1,000,000 events',
    flags: '[--rate 5000] [--seconds 20] [--polls 20] [--events 1000000] [--batch-size 10000] [--concurrency 2] [--rebuild results,polls-catalog,analytics] [--skip-lag] [--skip-rebuild] [--worker-cpu [--partitions 4] [--worker-rate 2500]]',
    load: () => import('./projections.ts'),
  },
  merkle: {
    describe: "an audit checkpoint's Merkle root by poll size: computed in one go vs with the leaves kept between checkpoints (time, longest event-loop stall)",
    flags: '[--sizes 12000,100000,1000000] [--new 1000]',
    load: () => import('./merkle.ts'),
  },
  fuzz: {
    describe: 'schema-derived fuzzing of every operation as every role (app.inject): 5xx, non-problem 4xx, writes on rejected input',
    flags: '[--requests 20000] [--seed N]',
    load: () => import('./fuzz.ts'),
  },
  tokens: {
    describe: 'vote tokens: issue 100,000 to one poll in batches (latency, server heap), then cast latency of token voters vs an open poll',
    flags: '[--tokens 100000] [--batch 10000] [--ballots 4000] [--concurrency 32]',
    load: () => import('./tokens.ts'),
  },
  ingest: {
    describe: 'ballots through the HTTP API, full stack (server in its own process), vs pgbench\'s raw INSERT ceiling: CPU, round trips and waits per ballot',
    flags: '[--ballots 20000] [--concurrency 64] [--rate 0] [--mode start|serve+worker|both [--blocks 1]] [--sessions own|shared] [--partitions 1] [--fraud on|off|both] [--rate-limit] [--log-level L] [--redis URL] [--nats URL] [--ceiling-seconds 10] [--warmup 20000] [--rounds 4] [--timeline] [--node-flags F] [--profile] [--statements] | --checkpoints [--ballots 60000] [--rounds 4] [--profile] | --fraud-path [--ballots 16000] [--warmup 10000] [--honest-rate 1500] [--flood-rate R] [--flood-concurrency C] [--statements] [--only flagged|flood]',
    help: async () => (await import('./ingest-flags.ts')).INGEST_FLAGS,
    load: () => import('./ingest.ts'),
  },
};

const [name, ...args] = process.argv.slice(2);
if (name === '--help' || name === '-h') {
  console.log('usage: npm run bench -- [name] [flags]   (npm run bench -- <name> --help: its flags)\n');
  for (const [key, b] of Object.entries(BENCHMARKS)) console.log(`  ${key.padEnd(12)} ${b.describe}`);
  process.exit(0);
}
if (name !== undefined && (args.includes('--help') || args.includes('-h')) && BENCHMARKS[name]) {
  const bench = BENCHMARKS[name];
  console.log(`usage: npm run bench -- ${name} ${bench.flags}\n\n${bench.help ? (await bench.help()).trim() : bench.describe}`);
  process.exit(0);
}
const selected = name ? [name] : Object.keys(BENCHMARKS);
for (const key of selected) {
  const bench = BENCHMARKS[key];
  if (!bench) {
    console.error(`unknown benchmark "${key}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== bench ${key} (${cpus().length} CPU cores, node ${process.version})`);
  await (await bench.load()).main(args);
}
