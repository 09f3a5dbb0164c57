/**
 * The frames the edge pushes (API.md, liveResults / liveResultsSse): `{type, position, results}`
 * where `results` is the getResults body. A frame is encoded once per poll and position and the
 * same bytes are written to every socket watching the poll: the cost of an update is one
 * JSON.stringify, not one per viewer. The SSE form is built only when an SSE viewer asks for it.
 */
export type FrameType = 'snapshot' | 'results';

/** What the edge knows of a poll's results: the getResults body as of `position`. */
export interface ResultsState {
  position: number;
  results: unknown;
}

export class EncodedFrame {
  readonly type: FrameType;
  readonly position: number;
  readonly json: Buffer;
  #sse: Buffer | undefined;

  constructor(type: FrameType, state: ResultsState) {
    this.type = type;
    this.position = state.position;
    this.json = Buffer.from(JSON.stringify({ type, position: state.position, results: state.results }));
  }

  /** `event:` + `id:` (the position, so a browser's Last-Event-ID resumes like `?after=`) + `data:`. */
  get sse(): Buffer {
    // JSON.stringify never emits a raw newline, so the data fits on one `data:` line.
    this.#sse ??= Buffer.concat([Buffer.from(`event: ${this.type}\nid: ${this.position}\ndata: `), this.json, Buffer.from('\n\n')]);
    return this.#sse;
  }
}

/** A comment line: keeps proxies from timing out an idle SSE stream and reveals dead peers on write. */
export const SSE_HEARTBEAT = Buffer.from(': heartbeat\n\n');
