/**
 * Pure translations between the KurrentDB client's shapes and our port's, kept apart from the
 * adapter so the adapter reads as the I/O it does.
 */
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type EventData,
  type Filter,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { splitIntegrity } from './integrity.ts';
import { categoryOf, type EventMetadata, type EventToAppend, type ExpectedRevision, type RecordedEvent } from '../port.ts';

/** Stream reads on servers before 22.6 report no position (or u64::MAX); we say so with -1n. */
export const UNKNOWN_POSITION = -1n;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

export function toEventData(event: EventToAppend): EventData {
  return {
    id: event.id,
    contentType: 'application/json',
    type: event.type,
    // The client types data as a JSON object/array/string; ours is `unknown` but always JSON-able.
    data: event.data as JSONType,
    // Always an object, so every stored event has JSON metadata that other tools can read.
    metadata: { ...event.metadata },
  };
}

/**
 * Our single `position` is the commit position: KurrentDB only makes commit and prepare differ
 * for explicit transactions, which gRPC clients cannot start.
 */
export function toClientPosition(position: bigint): Position {
  return { commit: position, prepare: position };
}

/** System streams (`$...`, `$$meta`) and system events (`$>` links, `$metadata`, ...) are not ours. */
function isSystem(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

export function inCategories(stream: string, categories: readonly string[] | undefined): boolean {
  return !categories?.length || categories.includes(categoryOf(stream));
}

/**
 * Server-side filter for `$all` reads: by stream prefix when categories are given (the prefix
 * includes the dash so `poll` does not match `pollster-...`; a stream named just `poll`, which
 * our naming never produces, is missed), else just without system events. Explicit
 * `streamPrefixes` are the narrower filter, so they win on the server when both are given.
 * Callers still check each event (`inCategories`, `matchesPrefixes`), because a prefix filter
 * lets `$`-typed events through and the server applies only one of the two.
 */
export function allFilter(
  categories: readonly string[] | undefined,
  onCheckpoint?: (commit: bigint) => void,
  streamPrefixes?: readonly string[],
): Filter {
  const checkpointReached = onCheckpoint && ((_: unknown, position: Position) => onCheckpoint(position.commit));
  const prefixes = streamPrefixes?.length ? [...streamPrefixes] : categories?.length ? categories.map((c) => `${c}-`) : undefined;
  return prefixes
    ? streamNameFilter({ prefixes, ...(checkpointReached && { checkpointReached }) })
    : excludeSystemEvents(checkpointReached && { checkpointReached });
}

/** Undefined for events we do not hand out (system events, link-only entries). */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (event === undefined || isSystem(event.streamId, event.type)) return undefined;
  const commit = event.position?.commit ?? resolved.commitPosition;
  return {
    id: event.id,
    stream: event.streamId,
    revision: event.revision,
    position: commit === undefined || commit >= U64_MAX ? UNKNOWN_POSITION : commit,
    type: event.type,
    data: event.data,
    ...withIntegrity(toMetadata(event.metadata)),
    recordedAt: event.created,
  };
}

function withIntegrity(stored: EventMetadata): { metadata: EventMetadata; hash?: string } {
  const { metadata, hash } = splitIntegrity(stored);
  return hash === undefined ? { metadata } : { metadata, hash };
}

/** Events written by other tools may carry binary or no metadata; readers always get an object. */
function toMetadata(raw: unknown): EventMetadata {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !(raw instanceof Uint8Array)
    ? (raw as EventMetadata)
    : {};
}
