import { lineChild, spawnNode } from './processes.ts';

/** The merged figures of every viewer process. */
export interface ViewersReport {
  seconds: number;
  clients: number;
  frames: number;
  maxFramesPerClient: number;
  open: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * The viewers of one bench shape, split over `processes` client processes (one process alone
 * would queue ten thousand frames behind each other and measure itself, not the edge).
 */
export async function startViewers(wsUrl: string, pollIds: string[], perPoll: number, processes: number) {
  const shares = Array.from({ length: processes }, (_, i) => Math.floor(perPoll / processes) + (i < perPoll % processes ? 1 : 0)).filter((n) => n > 0);
  const children = shares.map((share) =>
    lineChild(spawnNode('./clients.ts', ['--url', wsUrl, '--polls', pollIds.join(','), '--per-poll', String(share)])),
  );
  const ready = await Promise.all(children.map((c) => c.next('ready')));
  return {
    connected: ready.reduce((a, r) => a + r.connected, 0),
    failed: ready.reduce((a, r) => a + r.failed, 0),
    connectSeconds: Math.max(...ready.map((r) => r.seconds)),
    async reset(): Promise<void> {
      await Promise.all(children.map((c) => c.send('reset', 'reset')));
    },
    async report(): Promise<ViewersReport> {
      const reports = await Promise.all(children.map((c) => c.send('report', 'report')));
      const histogram = new Map<number, number>();
      for (const r of reports) for (const [bucket, n] of r.histogram as Array<[number, number]>) histogram.set(bucket, (histogram.get(bucket) ?? 0) + n);
      const buckets = [...histogram].sort((a, b) => a[0] - b[0]);
      const count = buckets.reduce((a, [, n]) => a + n, 0);
      const quantile = (q: number) => {
        let target = Math.ceil(q * count);
        for (const [bucket, n] of buckets) if ((target -= n) <= 0) return bucket / 10;
        return buckets.at(-1)?.[0] ?? 0;
      };
      return {
        seconds: Math.max(...reports.map((r) => r.seconds)),
        clients: reports.reduce((a, r) => a + r.clients, 0),
        frames: reports.reduce((a, r) => a + r.frames, 0),
        maxFramesPerClient: Math.max(...reports.map((r) => r.maxFramesPerClient)),
        open: reports.reduce((a, r) => a + r.open, 0),
        p50: quantile(0.5),
        p99: quantile(0.99),
        max: quantile(1),
      };
    },
    async stop(): Promise<void> {
      for (const c of children) c.child.stdin?.end();
      await Promise.all(children.map((c) => c.stop()));
    },
  };
}
