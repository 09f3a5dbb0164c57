import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventStore } from '../event-store/port.ts';
import { getResults } from '../projections/results/get-results.ts';
import { readPollLog } from './poll-log.ts';
import type { SigningKey } from './signing.ts';
import { verifyPollLog, type VerifyReport } from './verify.ts';

export interface VerifyPollDeps {
  store: EventStore;
  sql: DatabasePool;
  /** The installation's key: trusted, with its hand-overs, unless `pinnedKeyIds` says otherwise. */
  key?: SigningKey;
  /** Fingerprints an auditor pinned (`pollster audit verify --key`): trust starts there instead of at `key`. */
  pinnedKeyIds?: readonly string[];
}

/**
 * verifyPoll and `pollster audit verify <pollId>`: the pure check (verify.ts) on the poll's log as
 * the event store holds it, against the results read model and the key this installation signs
 * with. Published results and the signed-through mark are read before the log, so the log is at
 * least as far along as what it is compared with (a read model still catching up is compared at
 * its own position).
 */
export async function verifyPoll(deps: VerifyPollDeps, pollId: string): Promise<VerifyReport> {
  const published = await getResults(deps.sql, pollId);
  const signed = await deps.sql.maybeOneFirst(
    sql.type(z.object({ signed_through: z.bigint().nullable() }))`SELECT signed_through FROM audit_polls WHERE poll_id = ${pollId}`,
  );
  const log = await readPollLog(deps.store, pollId);
  return verifyPollLog({
    pollId,
    events: log.events,
    checkpoints: log.checkpoints,
    handovers: log.handovers.map((e) => e.data),
    ...(deps.pinnedKeyIds ? { pinnedKeyIds: deps.pinnedKeyIds } : deps.key ? { trustedKey: deps.key.publicKey } : {}),
    published,
    ...(signed !== null ? { expectedThrough: signed } : {}),
  });
}

export async function allPollIds(store: EventStore): Promise<string[]> {
  const ids: string[] = [];
  let from = 0n;
  for (;;) {
    const page = await store.readAll({ from, limit: 1000, categories: ['poll'] });
    for (const e of page.events) if (e.type === 'PollCreated' && e.revision === 0n) ids.push(e.stream.slice('poll-'.length));
    if (page.events.length < 1000) return ids;
    from = page.next;
  }
}
