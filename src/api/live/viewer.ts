import type { EncodedFrame } from './frames.ts';

/** Why the edge let go of a viewer: counted in the edge metrics. */
export type DropReason = 'slow' | 'dead' | 'error' | 'shutdown';

/**
 * One socket watching one poll, whatever the transport. The channel writes frames through it and
 * never waits on it: a viewer that cannot keep up is dropped (its client reconnects with
 * `?after=` and gets a fresh snapshot), so one slow phone never delays the other viewers.
 */
export interface Viewer {
  readonly transport: 'ws' | 'sse' | 'graphql';
  /** Writes the frame; returns false when the viewer was dropped instead (too much unsent data). */
  send(frame: EncodedFrame): boolean;
  /** Called every heartbeat interval: ping (ws) or a comment (SSE); false when found dead and dropped. */
  heartbeat(): boolean;
  drop(reason: DropReason): void;
}
