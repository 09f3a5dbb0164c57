import { EncodedFrame, type ResultsState } from './frames.ts';
import type { EdgeCounters } from './metrics.ts';
import type { Viewer } from './viewer.ts';

/** A viewer with what it has been sent; `position` undefined until its snapshot went out. */
interface Watching {
  viewer: Viewer;
  position: number | undefined;
}

export interface ChannelOptions {
  throttleMs: number;
  counters: EdgeCounters;
  now?: () => number;
}

/**
 * The viewers of one poll on this edge node and what the node knows of the poll's results.
 * Updates (bus messages, snapshot loads, resyncs) only ever move `latest` forward by position, so
 * late or duplicate messages are harmless. Pushes are coalesced: the first update after a quiet
 * period goes out at once, later ones wait for the end of the throttle window and only the newest
 * is sent, encoded once for every viewer.
 */
export class PollChannel {
  readonly pollId: string;
  readonly watching = new Map<Viewer, Watching>();
  latest: ResultsState | undefined;
  /** When the last bus message arrived: a channel quiet for long is re-read from the read model. */
  lastMessageAt = 0;
  #options: ChannelOptions;
  #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #lastPushAt = Number.NEGATIVE_INFINITY;
  #pushedPosition = -1;
  #snapshot: EncodedFrame | undefined;

  constructor(pollId: string, options: ChannelOptions) {
    this.pollId = pollId;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.watching.size;
  }

  add(viewer: Viewer): void {
    this.watching.set(viewer, { viewer, position: undefined });
  }

  remove(viewer: Viewer): boolean {
    return this.watching.delete(viewer);
  }

  /** A newer state of the poll's results; older or equal positions are ignored. */
  update(state: ResultsState): void {
    if (this.latest !== undefined && state.position <= this.latest.position) return;
    this.latest = state;
    this.#schedule();
  }

  /**
   * Lets a viewer in once `latest` is known: a snapshot frame unless it already has everything
   * (`after` at or past the latest position), then it takes part in pushes. The snapshot frame
   * is encoded once per position and shared by every viewer joining meanwhile.
   */
  admit(viewer: Viewer, after: number | undefined): void {
    const watching = this.watching.get(viewer);
    const latest = this.latest;
    if (watching === undefined || latest === undefined) return;
    if (after !== undefined && after >= latest.position) {
      watching.position = after;
      return;
    }
    if (this.#snapshot?.position !== latest.position) this.#snapshot = new EncodedFrame('snapshot', latest);
    watching.position = latest.position;
    if (viewer.send(this.#snapshot)) this.#options.counters.snapshotsSent++;
  }

  /** Every viewer, for heartbeats and shutdown; a copy, since dropping one changes the map. */
  viewers(): Viewer[] {
    return [...this.watching.keys()];
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = this.#lastPushAt + this.#options.throttleMs - this.#now();
    if (wait <= 0) this.#push();
    else this.#timer = setTimeout(() => this.#push(), wait);
  }

  #anyAdmitted(): boolean {
    for (const watching of this.watching.values()) if (watching.position !== undefined) return true;
    return false;
  }

  #push(): void {
    this.#timer = undefined;
    const latest = this.latest;
    if (latest === undefined || latest.position <= this.#pushedPosition) return;
    // Before anyone has their snapshot (the first load) there is nobody to push to: no frame, no window.
    if (!this.#anyAdmitted()) return;
    this.#lastPushAt = this.#now();
    this.#pushedPosition = latest.position;
    const frame = new EncodedFrame('results', latest);
    const counters = this.#options.counters;
    counters.framesEncoded++;
    for (const watching of this.watching.values()) {
      // Not yet admitted (snapshot loading), or already has it (its snapshot or `after` was newer).
      if (watching.position === undefined || watching.position >= frame.position) continue;
      watching.position = frame.position;
      if (watching.viewer.send(frame)) counters.framesSent++;
    }
  }
}
