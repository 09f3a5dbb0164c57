import { DeadlineExceededError, UnavailableError as ClientUnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { UnavailableError } from '../../domain/shared/errors.ts';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../errors.ts';
import type { EventToAppend, ExpectedRevision } from '../port.ts';

/** Driver errors become ours, so callers (and the API's 409/503 mapping) never see the client's. */
export function translate(
  error: unknown,
  stream: string,
  expected?: ExpectedRevision,
  events: readonly EventToAppend[] = [],
): unknown {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualState;
    // When the expected state did hold, the server refused for another reason: some of the ids
    // are already in the stream, but not as this same append ("corrupted idempotency").
    if (expected !== undefined && events.length > 0 && holds(expected, actual)) {
      return new DuplicateEventIdError(stream, [events[0]!.id]);
    }
    return new WrongExpectedRevisionError(stream, expected ?? error.expectedState, actual, error);
  }
  if (isUnavailable(error)) {
    return new UnavailableError('event-store.unavailable', 'the event store did not answer', { cause: error });
  }
  return error;
}

// gRPC status codes: some calls (e.g. the client's server-feature probe before an append)
// surface the raw gRPC error instead of the client's own error classes.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function isUnavailable(error: unknown): boolean {
  if (error instanceof ClientUnavailableError || error instanceof DeadlineExceededError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED;
}

function holds(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return actual === expected;
}
