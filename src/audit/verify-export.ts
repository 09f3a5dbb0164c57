import { parseReceipt, receiptMatches } from '../domain/ballot/receipt.ts';
import { auditStream, ballotStream, pollStream } from '../domain/shared/streams.ts';
import type { StoredChainEvent } from '../event-store/integrity/chain.ts';
import { checkTrailer, EXPORT_FORMAT, type ExportHeader } from './export-format.ts';
import { receiptBallot, type ReceiptBallot } from './receipt-status.ts';
import { keyIdOf } from './signing.ts';
import { type EventSchemas, POLLSTER_SCHEMAS } from '../event-store/schema-versions.ts';
import { trust, verifyPollLog, type PublishedResults, type VerifyReport } from './verify.ts';
import { HANDOVER_STREAM } from './key-handover.ts';

/**
 * `pollster audit verify --file export.jsonl`: an export checked with no database, by anyone.
 * First the file itself (its signed trailer), then the log in it (verify.ts), with the key the
 * verifier pins (`--public-key`, from GET /api/audit/public-key) or, failing that, the file's own
 * key, with a warning: a forger could sign a forged file with a key of their own.
 */
type FileEvent = StoredChainEvent & { data: unknown; recordedAt: string };

export interface ExportVerification {
  report: VerifyReport;
  header: ExportHeader | undefined;
  receipt?: ReceiptBallot & { included: boolean; position?: bigint };
}

/**
 * The file holds events as stored, in whatever version each was written: `schemas` (default:
 * Pollster's) upcasts them for the re-tally and the receipt, never for a hash.
 */
export function verifyExport(text: string, options: { publicKey?: string; pinnedKeyIds?: readonly string[]; receipt?: string; schemas?: EventSchemas } = {}): ExportVerification {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  let header: ExportHeader | undefined;
  try {
    const parsed = JSON.parse(firstLine) as ExportHeader;
    header = parsed.kind === 'header' && parsed.format === EXPORT_FORMAT ? parsed : undefined;
  } catch {
    header = undefined;
  }
  const problems: VerifyReport['problems'] = [];
  const warnings: string[] = [];
  if (header === undefined) problems.push({ code: 'export.header', message: `the first line is not a ${EXPORT_FORMAT} header` });
  // A pinned public key is a pinned fingerprint: keys it handed over to are trusted too.
  const pinned = [...(options.pinnedKeyIds ?? []), ...(options.publicKey !== undefined ? [keyIdOf(options.publicKey)] : [])];
  const key = header?.publicKey ?? '';
  const { lines, problem } = checkTrailer(text, key);
  if (problem) problems.push({ code: 'export.trailer', message: problem });

  const pollId = header?.pollId ?? '';
  const events: FileEvent[] = [];
  const checkpoints: FileEvent[] = [];
  const handovers: FileEvent[] = [];
  let published: PublishedResults | null = null;
  lines.slice(1).forEach((line, i) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      problems.push({ code: 'export.line', message: `line ${i + 2} is not JSON` });
      return;
    }
    if (record.kind === 'results') published = record.results as PublishedResults;
    else if (record.kind === 'event') {
      const e = toEvent(record);
      if (e === undefined) problems.push({ code: 'export.line', message: `line ${i + 2} is not a well-formed event` });
      else (e.stream === auditStream(pollId) ? checkpoints : e.stream === HANDOVER_STREAM ? handovers : events).push(e);
    } else problems.push({ code: 'export.line', message: `line ${i + 2} has unknown kind ${String(record.kind)}` });
  });
  const handoverData = handovers.map((e) => e.data);
  if (pinned.length === 0) warnings.push(`no --key given: trusting the key in the file (fingerprint ${header ? keyIdOf(header.publicKey) : '?'}); compare it with the one \`pollster audit key\` prints`);
  else if (header !== undefined && !trust({ pinnedKeyIds: pinned, handovers: handoverData }).trustedKeyIds!.has(keyIdOf(header.publicKey))) {
    problems.push({ code: 'export.unknown-key', message: `the file is signed by key ${keyIdOf(header.publicKey)}, which no hand-over chains back to the pinned key ${pinned[0]}` });
  }
  const trusted = pinned.length > 0 ? { pinnedKeyIds: pinned } : { trustedKey: key };
  const report = verifyPollLog({ pollId, events, checkpoints, handovers: handoverData, ...trusted, published, ...(options.schemas ? { schemas: options.schemas } : {}) });
  report.problems.unshift(...problems);
  report.warnings.unshift(...warnings);
  report.ok = report.problems.length === 0;
  const result: ExportVerification = { report, header };
  const schemas = options.schemas ?? POLLSTER_SCHEMAS;
  if (options.receipt !== undefined) result.receipt = receiptInFile(options.receipt, pollId, events.map((e) => schemas.upcast(e)));
  return result;
}

function toEvent(r: Record<string, unknown>): FileEvent | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const position = str(r.position);
  const revision = str(r.revision);
  if (!position || !/^\d+$/.test(position) || !revision || !/^\d+$/.test(revision)) return undefined;
  const [stream, id, type, recordedAt] = [str(r.stream), str(r.id), str(r.type), str(r.recordedAt)];
  if (!stream || !id || !type || !recordedAt) return undefined;
  return {
    position: BigInt(position),
    revision: BigInt(revision),
    stream,
    id,
    type,
    recordedAt,
    data: r.data,
    metadata: r.metadata,
    hash: str(r.hash),
    ...(r.digestFormat === 0 ? { digestFormat: 0 as const } : {}),
  };
}

function receiptInFile(receipt: string, pollId: string, events: readonly FileEvent[]): ReceiptBallot & { included: boolean; position?: bigint } {
  const parsed = parseReceipt(receipt);
  const event = events.find((e) => e.position === parsed.position);
  const none = { included: false, ballotId: '', eventType: 'BallotCast' as const, eventPosition: 0n, status: 'counted' as const };
  if (event === undefined || !event.stream.startsWith(ballotStream(pollId, '')) || !receiptMatches(parsed, event.hash)) return none;
  const closedAt = events.find((e) => e.stream === pollStream(pollId) && e.type === 'PollClosed')?.position;
  const ballot = receiptBallot(events.filter((e) => e.stream === event.stream), event.revision, closedAt);
  return ballot ? { included: true, position: event.position, ...ballot } : none;
}
