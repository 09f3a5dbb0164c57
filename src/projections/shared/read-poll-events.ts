import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { ballotStream, pollStream } from '../../domain/shared/streams.ts';

/**
 * Every event of one poll in log order: its poll stream and all its ballot streams, read from
 * `$all` by stream prefix, page by page. For `?at=<position>` results (a replay, not the read
 * model) and the auditors' endpoints. `after` (exclusive) and `upTo` (inclusive) bound positions.
 */
export interface ReadPollEventsOptions {
  after?: bigint;
  upTo?: bigint;
  pageSize?: number;
}

export async function readPollEvents(store: EventStore, pollId: string, options: ReadPollEventsOptions = {}): Promise<RecordedEvent[]> {
  const own = pollStream(pollId);
  const ballots = ballotStream(pollId, '');
  const limit = options.pageSize ?? 1000;
  const upTo = options.upTo;
  const out: RecordedEvent[] = [];
  let from = options.after ?? 0n;
  for (;;) {
    const page = await store.readAll({ from, limit, categories: ['poll', 'ballot'], streamPrefixes: [own, ballots] });
    for (const event of page.events) {
      if (upTo !== undefined && event.position > upTo) return out;
      // `poll-<id>` is also the prefix of a longer poll id: keep the exact stream only.
      if (event.stream === own || event.stream.startsWith(ballots)) out.push(event);
    }
    if (page.events.length < limit) return out;
    from = page.next;
  }
}
