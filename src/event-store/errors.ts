import { ConflictError } from '../domain/shared/errors.ts';
import type { ExpectedRevision } from './port.ts';

/** The stream was not where the writer expected it; the API maps this to 409. */
export class WrongExpectedRevisionError extends ConflictError {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly actual: bigint | 'no_stream';

  constructor(stream: string, expected: ExpectedRevision, actual: bigint | 'no_stream', cause?: unknown) {
    super(
      'stream.wrong-expected-revision',
      `stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`,
      { cause },
    );
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Some of the event ids were already stored, but not as this same append. */
export class DuplicateEventIdError extends ConflictError {
  constructor(stream: string, ids: readonly string[]) {
    super('stream.duplicate-event-id', `stream ${stream}: event ids already used elsewhere: ${ids.join(', ')}`);
  }
}

/** A fenced append (port.ts, AppendOptions) whose fence stream had moved on: nothing was written. */
export class FencedOutError extends ConflictError {
  readonly fence: { stream: string; revision: bigint };
  readonly actual: bigint | 'no_stream';

  constructor(stream: string, fence: { stream: string; revision: bigint }, actual: bigint | 'no_stream') {
    super('stream.fenced-out', `stream ${stream}: fence ${fence.stream} was to be at revision ${fence.revision}, is at ${String(actual)}`);
    this.fence = fence;
    this.actual = actual;
  }
}
