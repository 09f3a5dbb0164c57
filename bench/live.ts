import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EDGE_NODE_OPTIONS } from '../src/api/live/edge-app.ts';
import { startEdge } from './live/processes.ts';
import { startPublisher } from './live/publisher.ts';
import { startViewers } from './live/viewers.ts';
import { numberFlag, processUsage, throwawayDatabase } from './support/measure.ts';
import { currentSessions, useSessionsFlag } from './support/own-session.ts';
import { freePort } from './support/server.ts';

/**
 * The live edge under load, three processes: the edge (`serve --edge-only`, measured from /proc),
 * the viewers (websocket clients, bench/live/clients.ts) and this one (API in-process with the
 * projections and the NATS fan-out, ballots paced through app.inject). Two shapes: one poll with
 * 10,000 viewers, then 100 polls with 100 viewers each. Figures: delivery latency from NATS
 * publish to client receipt (p50/p99 over every frame of every client), frames per client per
 * second, edge CPU and RSS per connection. Targets: p99 ≤ 500 ms, ≤ 10 KB RSS per connection.
 * The edge runs in a session of its own as a service does (`--sessions own`, the default), or in
 * the bench's (`shared`), as the ingest bench's servers (support/own-session.ts).
 * Usage: npm run bench -- live [--viewers 10000] [--rate 1000] [--seconds 20] [--polls 100] [--per-poll 100] [--client-processes 2] [--sessions own|shared]
 */
export async function main(args: string[]): Promise<void> {
  const viewers = numberFlag(args, 'viewers', 10_000);
  const rate = numberFlag(args, 'rate', 1_000);
  const seconds = numberFlag(args, 'seconds', 20);
  const manyPolls = numberFlag(args, 'polls', 100);
  const perPoll = numberFlag(args, 'per-poll', 100);
  const clientProcesses = Math.max(1, numberFlag(args, 'client-processes', 2));
  useSessionsFlag(args);
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const db = await throwawayDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'pollster_bench_live');
  const secret = randomBytes(32).toString('hex');
  const publisher = await startPublisher(db.url, natsUrl, secret);
  const env = { DATABASE_URL: db.url, NATS_URL: natsUrl, JWT_SECRET: secret, LIVE_THROTTLE_MS: '500' };
  console.log(
    `ballots ${rate}/s for ${seconds} s through the API in-process; throttle 500 ms; NATS ${natsUrl}; edge: node ${EDGE_NODE_OPTIONS.join(' ')}, ` +
      `in ${currentSessions() === 'own' ? 'a session of its own' : "the bench's session"}`,
  );
  try {
    await scenario(`1 poll x ${viewers} viewers`, 1, viewers);
    await scenario(`${manyPolls} polls x ${perPoll} viewers`, manyPolls, perPoll);
  } finally {
    await publisher.close();
    await db.drop();
  }

  async function scenario(name: string, pollCount: number, viewersPerPoll: number): Promise<void> {
    const polls = await Promise.all(Array.from({ length: pollCount }, () => publisher.openPoll()));
    // A fresh edge per shape: RSS never shrinks back, so a reused process would hide the cost.
    const port = await freePort();
    const edge = await startEdge(port, env);
    await sleep(1_000);
    const idle = processUsage(edge.pid);
    const viewers = await startViewers(`ws://127.0.0.1:${port}`, polls.map((p) => p.pollId), viewersPerPoll, clientProcesses);
    try {
      const ready = { connected: viewers.connected, failed: viewers.failed, seconds: viewers.connectSeconds };
      await sleep(2_000);
      const connected = processUsage(edge.pid);
      await viewers.reset();
      const cast = await publisher.castPaced(polls, rate, seconds);
      await sleep(1_500); // the last window's frames
      const loaded = processUsage(edge.pid);
      const report = await viewers.report();
      const rssPerConnection = ((connected.rssMiB - idle.rssMiB) * 1024 * 1024) / Math.max(1, ready.connected);
      const cpuCores = (loaded.cpuSeconds - connected.cpuSeconds) / report.seconds;
      const figures = {
        shape: name,
        connected: ready.connected,
        failed: ready.failed,
        connectSeconds: Number(ready.seconds.toFixed(1)),
        ballots: cast.ballots,
        ballotErrors: cast.errors,
        ballotsPerSecond: Math.round(cast.ballots / cast.seconds),
        latencyP50Ms: report.p50,
        latencyP99Ms: report.p99,
        latencyMaxMs: report.max,
        framesPerClientPerSecond: Number((report.frames / report.clients / report.seconds).toFixed(2)),
        framesPerClientPerSecondMax: Number((report.maxFramesPerClient / report.seconds).toFixed(2)),
        stillOpen: report.open,
        edgeRssIdleMiB: Number(idle.rssMiB.toFixed(1)),
        edgeRssConnectedMiB: Number(connected.rssMiB.toFixed(1)),
        edgeRssLoadedMiB: Number(loaded.rssMiB.toFixed(1)),
        edgeRssPerConnectionKB: Number((rssPerConnection / 1024).toFixed(2)),
        edgeCpuCores: Number(cpuCores.toFixed(3)),
        edgeCpuMicrosPerFramePerClient: Number(((cpuCores * 1e6) / Math.max(1, report.frames / report.seconds)).toFixed(2)),
      };
      console.log(
        `${name.padEnd(28)} p50 ${report.p50.toFixed(1)} ms  p99 ${report.p99.toFixed(1)} ms (target ≤ 500)  ` +
          `${figures.framesPerClientPerSecond} frames/client/s  edge CPU ${(cpuCores * 100).toFixed(0)}% of a core  ` +
          `RSS ${figures.edgeRssPerConnectionKB} KB/connection (target ≤ 10)  ${ready.connected}/${ready.connected + ready.failed} connected`,
      );
      console.log(JSON.stringify(figures));
    } finally {
      await viewers.stop();
      await edge.stop();
    }
  }
}
