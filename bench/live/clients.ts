import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

/**
 * The viewers of `bench live`, in a process of their own so that their CPU does not count as the
 * edge's: `--url ws://host:port --polls id,id,… --per-poll N`. Opens every socket (a few hundred
 * at a time), then takes commands on stdin, one per line: `reset` (start measuring), `report`
 * (the figures as one JSON line on stdout: a latency histogram, frame counts), `exit`. Latency = receipt time minus the
 * publish time the bench's publisher put in the results body (`benchPublishedAt`, same clock).
 */
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} is required`);
  return process.argv[i + 1]!;
};
const url = arg('url');
const polls = arg('polls').split(',');
const perPoll = Number(arg('per-poll'));
const OPEN_CONCURRENCY = 256;
const MAX_MS = 10_000;

const now = () => performance.timeOrigin + performance.now();
let histogram = new Uint32Array(MAX_MS * 10 + 1); // 0.1 ms buckets
let framesPerSocket = new Uint32Array(0);
let snapshots = 0;
let measuringSince = now();
const sockets: WebSocket[] = [];

const STAMP = '"benchPublishedAt":';
const SNAPSHOT = Buffer.from('{"type":"snapshot"');

/**
 * Reads only what the figures need, without JSON.parse of the whole frame: one process receives
 * thousands of frames within milliseconds, and the time it spends per frame is added to the
 * latency of every frame queued behind it (a real viewer parses one frame, not ten thousand).
 */
function record(index: number, data: Buffer): void {
  if (data.subarray(0, SNAPSHOT.length).equals(SNAPSHOT)) {
    snapshots++;
    return;
  }
  framesPerSocket[index]!++;
  const at = data.lastIndexOf(STAMP);
  if (at < 0) return;
  const publishedAt = Number.parseFloat(data.toString('latin1', at + STAMP.length, Math.min(data.length, at + STAMP.length + 24)));
  histogram[Math.min(MAX_MS * 10, Math.max(0, Math.round((now() - publishedAt) * 10)))]!++;
}

function open(index: number, pollId: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url}/api/polls/${pollId}/live`, { perMessageDeflate: false });
    socket.on('message', (data: Buffer) => record(index, data));
    socket.once('open', () => resolve(true));
    socket.once('error', () => resolve(false));
    socket.on('close', () => undefined);
    sockets[index] = socket;
  });
}

async function openAll(): Promise<{ connected: number; failed: number; seconds: number }> {
  const total = polls.length * perPoll;
  framesPerSocket = new Uint32Array(total);
  const started = now();
  let next = 0;
  let connected = 0;
  await Promise.all(
    Array.from({ length: OPEN_CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) if (await open(i, polls[i % polls.length]!)) connected++;
    }),
  );
  // Every open socket gets its snapshot first.
  while (snapshots < connected && now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  return { connected, failed: total - connected, seconds: (now() - started) / 1000 };
}

function report() {
  const seconds = (now() - measuringSince) / 1000;
  const sparse: Array<[number, number]> = [];
  histogram.forEach((n, bucket) => n > 0 && sparse.push([bucket, n]));
  return {
    type: 'report',
    seconds,
    clients: framesPerSocket.length,
    frames: framesPerSocket.reduce((a, b) => a + b, 0),
    maxFramesPerClient: Math.max(...framesPerSocket),
    open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length,
    /** [0.1 ms bucket, count] pairs: the parent merges the processes' histograms. */
    histogram: sparse,
  };
}

const ready = await openAll();
console.log(JSON.stringify({ type: 'ready', ...ready }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'reset') {
    histogram = new Uint32Array(MAX_MS * 10 + 1);
    framesPerSocket.fill(0);
    measuringSince = now();
    console.log(JSON.stringify({ type: 'reset' }));
  } else if (line === 'report') {
    console.log(JSON.stringify(report()));
  } else if (line === 'exit') {
    for (const socket of sockets) socket?.terminate();
    process.exit(0);
  }
}
