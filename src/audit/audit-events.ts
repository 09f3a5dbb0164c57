import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { auditStream, ballotStream, pollStream } from '../domain/shared/streams.ts';

/**
 * listAuditEvents: one poll's log (its poll stream, every ballot stream, its checkpoints) in log
 * order, page by page, so an auditor follows each ballot's lineage: cast, changes, flags, decisions.
 * Voter identities (the voter key in the stream name, `voterKey`, `accountId`, the actor, the IP
 * prefix and user-agent hash) are shown only to auditors, and never on an anonymous poll.
 */
export interface AuditEventView {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  recordedAt: string;
  hash: string | null;
  data: unknown;
  metadata: Record<string, unknown>;
  /** Identities were blanked out (the hash is over the original, so it will not recompute). */
  redacted: boolean;
}

export interface AuditEventsPage {
  items: AuditEventView[];
  /** Pass as `after` for the next page; null at the end of the log as it is now. */
  nextCursor: bigint | null;
}

export async function listAuditEvents(
  store: EventStore,
  pollId: string,
  options: { after: bigint; limit: number; showIdentities: boolean },
): Promise<AuditEventsPage> {
  const streams = [pollStream(pollId), ballotStream(pollId, ''), auditStream(pollId)];
  const page = await store.readAll({ from: options.after, limit: options.limit, categories: ['poll', 'ballot', 'audit'], streamPrefixes: streams });
  // `poll-<id>` is also the prefix of a longer id: keep the exact streams only.
  const mine = page.events.filter((e) => e.stream === streams[0] || e.stream.startsWith(streams[1]!) || e.stream === streams[2]);
  return {
    items: mine.map((e) => view(e, pollId, options.showIdentities)),
    nextCursor: page.events.length === options.limit ? page.next : null,
  };
}

const HIDDEN = '(hidden)';

function view(e: RecordedEvent, pollId: string, showIdentities: boolean): AuditEventView {
  const base = {
    position: e.position,
    stream: e.stream,
    revision: e.revision,
    id: e.id,
    type: e.type,
    recordedAt: e.recordedAt.toISOString(),
    hash: e.hash ?? null,
    data: e.data,
    metadata: e.metadata as Record<string, unknown>,
    redacted: false,
  };
  const prefix = ballotStream(pollId, '');
  if (showIdentities || !e.stream.startsWith(prefix)) return base;
  const data = { ...(e.data as Record<string, unknown>) };
  if ('voterKey' in data) data.voterKey = HIDDEN;
  if ('accountId' in data) data.accountId = HIDDEN;
  // the response time too: a duration next to castAt dates the voter's first view of the poll
  if (data.meta && typeof data.meta === 'object') {
    const meta = { ...(data.meta as Record<string, unknown>), ipPrefix: null, userAgentHash: null };
    if ('responseSeconds' in meta) meta.responseSeconds = null;
    data.meta = meta;
  }
  const metadata = { ...base.metadata };
  if (typeof metadata.actor === 'string' && metadata.actor.startsWith('user:')) metadata.actor = `user:${HIDDEN}`;
  for (const key of ['ipPrefix', 'ip', 'userAgentHash']) if (key in metadata) metadata[key] = HIDDEN;
  return { ...base, stream: `${prefix}${HIDDEN}`, data, metadata, redacted: true };
}
