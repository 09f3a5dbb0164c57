/** The live edge's knobs (README configuration table: LIVE_*), with their defaults. */
export interface LiveSettings {
  /** LIVE_THROTTLE_MS: at most one results frame per poll per window. */
  throttleMs: number;
  /** LIVE_HEARTBEAT_MS: websocket ping / SSE comment interval; a socket silent for two is dropped. */
  heartbeatMs: number;
  /** LIVE_RESYNC_MS: a watched poll without bus messages this long is re-read from the read model. */
  resyncMs: number;
  /** LIVE_MAX_BUFFERED_BYTES: unsent bytes after which a viewer is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** LIVE_MAX_VIEWERS_PER_ADDRESS: live connections one client address may hold on a node (0 = no bound). */
  maxViewersPerAddress: number;
  /** LIVE_MAX_VIEWERS: live connections a node accepts in all (0 = no bound). */
  maxViewers: number;
}

export const DEFAULT_LIVE: LiveSettings = {
  throttleMs: 500,
  heartbeatMs: 15_000,
  resyncMs: 5_000,
  maxBufferedBytes: 1 << 20,
  maxViewersPerAddress: 256,
  maxViewers: 20_000,
};

export const liveSettingsFrom = (config: {
  LIVE_THROTTLE_MS: number;
  LIVE_HEARTBEAT_MS: number;
  LIVE_RESYNC_MS: number;
  LIVE_MAX_BUFFERED_BYTES: number;
  LIVE_MAX_VIEWERS_PER_ADDRESS: number;
  LIVE_MAX_VIEWERS: number;
}): LiveSettings => ({
  throttleMs: config.LIVE_THROTTLE_MS,
  heartbeatMs: config.LIVE_HEARTBEAT_MS,
  resyncMs: config.LIVE_RESYNC_MS,
  maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
  maxViewersPerAddress: config.LIVE_MAX_VIEWERS_PER_ADDRESS,
  maxViewers: config.LIVE_MAX_VIEWERS,
});
