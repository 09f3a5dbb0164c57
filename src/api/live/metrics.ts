import type { DropReason } from './viewer.ts';

/** Running totals of one edge node since it started (counters only grow; Prometheus takes rates). */
export interface EdgeCounters {
  /** Results frames encoded: one per poll per push, however many viewers. */
  framesEncoded: number;
  framesSent: number;
  snapshotsSent: number;
  busMessages: number;
  /**
   * Read-model re-reads: `quiet`, of a poll without bus messages for LIVE_RESYNC_MS (every
   * watched poll while NATS is away); `reconnect`, of every watched poll when the bus is back.
   */
  resyncs: { quiet: number; reconnect: number };
  drops: Record<DropReason, number>;
  connections: { ws: number; sse: number; graphql: number };
}

export const newCounters = (): EdgeCounters => ({
  framesEncoded: 0,
  framesSent: 0,
  snapshotsSent: 0,
  busMessages: 0,
  resyncs: { quiet: 0, reconnect: 0 },
  drops: { slow: 0, dead: 0, error: 0, shutdown: 0 },
  connections: { ws: 0, sse: 0, graphql: 0 },
});

export interface EdgeMetrics extends EdgeCounters {
  viewersByPoll: Record<string, number>;
  viewers: number;
}

export function edgeMetricsText(metrics: EdgeMetrics): string {
  const lines = [
    '# HELP pollster_live_viewers Viewers of a poll connected to this edge node.',
    '# TYPE pollster_live_viewers gauge',
    ...Object.entries(metrics.viewersByPoll).map(([pollId, n]) => `pollster_live_viewers{poll_id="${pollId}"} ${n}`),
    '# HELP pollster_live_frames_sent_total Results frames written to sockets.',
    '# TYPE pollster_live_frames_sent_total counter',
    `pollster_live_frames_sent_total ${metrics.framesSent}`,
    '# HELP pollster_live_frames_encoded_total Results frames encoded (one per poll per push).',
    '# TYPE pollster_live_frames_encoded_total counter',
    `pollster_live_frames_encoded_total ${metrics.framesEncoded}`,
    '# HELP pollster_live_snapshots_sent_total Snapshot frames sent to new or reconnecting viewers.',
    '# TYPE pollster_live_snapshots_sent_total counter',
    `pollster_live_snapshots_sent_total ${metrics.snapshotsSent}`,
    '# HELP pollster_live_bus_messages_total Live-results messages received from the bus.',
    '# TYPE pollster_live_bus_messages_total counter',
    `pollster_live_bus_messages_total ${metrics.busMessages}`,
    '# HELP pollster_live_resyncs_total Re-reads of watched polls from the read model: quiet for LIVE_RESYNC_MS (NATS away, messages lost) or the bus back.',
    '# TYPE pollster_live_resyncs_total counter',
    ...Object.entries(metrics.resyncs).map(([reason, n]) => `pollster_live_resyncs_total{reason="${reason}"} ${n}`),
    '# HELP pollster_live_drops_total Viewers disconnected by the edge, by reason.',
    '# TYPE pollster_live_drops_total counter',
    ...Object.entries(metrics.drops).map(([reason, n]) => `pollster_live_drops_total{reason="${reason}"} ${n}`),
    '# HELP pollster_live_connections_total Viewer connections accepted, by transport.',
    '# TYPE pollster_live_connections_total counter',
    ...Object.entries(metrics.connections).map(([transport, n]) => `pollster_live_connections_total{transport="${transport}"} ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
