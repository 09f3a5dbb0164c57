import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import type { Decider } from '../domain/shared/decider.ts';
import { ValidationError } from '../domain/shared/errors.ts';
import { aggregateStream, toDomainEvent } from '../event-store/aggregate-stream.ts';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../event-store/errors.ts';
import type { AppendOptions, AppendResult, EventMetadata, EventStore, ExpectedRevision, RecordedEvent } from '../event-store/port.ts';
import { withSchemaVersion } from '../event-store/schema-versions.ts';

/** Who asked, and which request: recorded in the metadata of every event the command writes. */
export interface CommandContext {
  /** `user:<id>`, `system` or `anonymous`. */
  actor: string;
  /** Shared by every event of one request (the request id). */
  correlationId: string;
  /**
   * The command's own id. Given twice (a client retrying), the command is idempotent: the event
   * ids derive from it, and a repeat finds its events already in the stream and returns them.
   */
  commandId?: string;
  /**
   * A digest of the request that carried the command id, kept in the event metadata: a repeat
   * with another digest is the caller reusing a key for a different request, refused as
   * `idempotency.key-reused` rather than answered with the first request's result.
   */
  requestDigest?: string;
  /** Extra metadata (client IP prefix, device class ...); never secrets. */
  extra?: Record<string, unknown>;
}

export interface HandledCommand<Ev> {
  events: Ev[];
  eventIds: string[];
  appended: AppendResult | undefined;
}

type AnyEvent = { type: string; data: object };

// Namespace for event ids derived from a command id (uuid v5), fixed forever.
const EVENT_ID_NAMESPACE = '0f1d7e2c-6a4b-5d8e-9c3f-1b2a3c4d5e6f';
const MAX_ATTEMPTS = 3;

/** 422: the caller sent an Idempotency-Key again with a request other than the one it first named. */
const idempotencyKeyReused = (): ValidationError =>
  new ValidationError('idempotency.key-reused', 'this Idempotency-Key was already used for a different request: send a new key for a new request', {
    field: 'headers.idempotency-key',
  });

/**
 * Event ids derive from the command id, so a store refusing them as taken elsewhere means the
 * caller's key named another request (a race of two different requests under one key): the
 * caller's mistake, said in its terms, never the store's.
 */
export function asKeyReuse(error: unknown, context: CommandContext): unknown {
  return error instanceof DuplicateEventIdError && context.commandId ? idempotencyKeyReused() : error;
}

/**
 * The one command handler (STYLE.md 3): read the stream, fold it, decide, append with the
 * revision that was read. On a concurrent write it re-reads and decides again, which is always
 * safe because the decision is re-made against the new state (a second CastBallot then fails as
 * already-cast instead of overwriting).
 */
export async function handleCommand<C, Ev extends AnyEvent, S>(
  store: EventStore,
  decider: Decider<C, Ev, S>,
  stream: string,
  command: C,
  context: CommandContext,
  /** Passed to every append (a fence: port.ts, AppendOptions). */
  appendOptions?: AppendOptions,
): Promise<HandledCommand<Ev>> {
  for (let attempt = 1; ; attempt++) {
    const { state, events: history, revision } = await aggregateStream(store, decider, stream);
    const repeated = context.commandId ? findRepeat<Ev>(history, context) : undefined;
    if (repeated) return repeated;
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, eventIds: [], appended: undefined };
    const expected: ExpectedRevision = revision ?? 'no_stream';
    try {
      const toStore = toAppend(events, context);
      const appended = await store.append(stream, toStore, expected, appendOptions);
      return { events, eventIds: toStore.map((e) => e.id), appended };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw asKeyReuse(error, context);
    }
  }
}

/** Appends events decided elsewhere (e.g. a ballot decided against a cached poll) to a new stream. */
export function toAppend(events: readonly AnyEvent[], context: CommandContext) {
  const metadata: EventMetadata = {
    ...context.extra,
    actor: context.actor,
    correlationId: context.correlationId,
    ...(context.commandId ? { causationId: context.commandId } : {}),
    ...(context.requestDigest ? { requestDigest: context.requestDigest } : {}),
  };
  // The digest is part of the id, so two different requests under one key never look like one
  // idempotent re-append: the second loses on the stream's revision and meets the digest check.
  const seed = context.requestDigest ? `${context.commandId}:${context.requestDigest}` : context.commandId;
  return events.map((event, index) => ({
    id: context.commandId ? uuidv5(`${seed}:${index}`, EVENT_ID_NAMESPACE) : uuidv4(),
    type: event.type,
    data: event.data,
    // Decide writes every type in its current version: say which, so a later release can upcast it.
    metadata: withSchemaVersion(event.type, metadata),
  }));
}

/**
 * An id a command mints (a ballot id, a flag id): random, or derived from the command id so that
 * a retried command mints the same one and its re-append is recognised as a repeat.
 */
export function mintId(context: CommandContext, purpose: string, random: () => string): string {
  return context.commandId ? uuidv5(`${context.commandId}:${purpose}`, EVENT_ID_NAMESPACE) : random();
}

function findRepeat<Ev extends AnyEvent>(history: readonly RecordedEvent[], context: CommandContext): HandledCommand<Ev> | undefined {
  const mine = history.filter((e) => e.metadata.causationId === context.commandId);
  const last = mine.at(-1);
  if (!last) return undefined;
  // Events written before digests were recorded carry none: their repeats are taken on trust.
  const digest = last.metadata.requestDigest;
  if (context.requestDigest && typeof digest === 'string' && digest !== context.requestDigest) throw idempotencyKeyReused();
  return {
    events: mine.map((e) => toDomainEvent<Ev>(e)),
    eventIds: mine.map((e) => e.id),
    appended: { nextExpectedRevision: last.revision, position: last.position, ...(last.hash ? { hash: last.hash } : {}) },
  };
}
