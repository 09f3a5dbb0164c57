import type { EventStore } from '../event-store/port.ts';
import type { PollResults } from '../domain/results/results.ts';
import { EXPORT_FORMAT, eventLine, ExportSigner, type ExportHeader } from './export-format.ts';
import { inLogOrder, readPollLog } from './poll-log.ts';
import type { SigningKey } from './signing.ts';

export interface ExportDeps {
  store: EventStore;
  key: SigningKey;
  now: () => Date;
  /** The published results (getResults); null when there are none. */
  results: () => Promise<PollResults | null>;
}

/**
 * Writes a poll's export (export-format.ts) through `write`, line by line. The results are read
 * first, so the log in the file is at least as far along as the results it carries.
 * The export holds what the log holds: on polls that are not anonymous that includes account ids
 * (the hashes cover them, so they cannot be blanked): hand it to auditors, not to the public.
 */
export async function exportPoll(deps: ExportDeps, pollId: string, write: (chunk: string) => Promise<void> | void): Promise<{ events: number }> {
  const results = await deps.results();
  const log = await readPollLog(deps.store, pollId);
  const signer = new ExportSigner(deps.key);
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    pollId,
    exportedAt: deps.now().toISOString(),
    publicKey: deps.key.publicKey,
    keyId: deps.key.keyId,
  };
  await write(signer.line(JSON.stringify(header)));
  const events = inLogOrder(log);
  for (const e of events) await write(signer.line(eventLine(e)));
  if (results !== null) await write(signer.line(JSON.stringify({ kind: 'results', results: { ...results, position: String(results.position) } })));
  await write(signer.trailer());
  return { events: events.length };
}
