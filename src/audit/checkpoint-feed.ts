import { createHash } from 'node:crypto';
import { canonicalJson } from '../event-store/integrity/canonical-json.ts';
import type { EventStore } from '../event-store/port.ts';
import { asCheckpoint, type Checkpoint } from './checkpoint.ts';
import { asHandover, HANDOVER_STREAM, type KeyHandover } from './key-handover.ts';
import { signMessage, verifyMessage, type SigningKey } from './signing.ts';

/**
 * The checkpoint feed (README.md, "Witnesses"): every signed checkpoint of every poll and every
 * key hand-over, in log order, read from the log itself (never a read model), so a witness on
 * another machine can keep them and compare. `GET /api/audit/checkpoints` as JSON pages and
 * `GET /api/audit/checkpoints.jsonl` as JSON lines closed by a signed `end` line:
 *   {"kind":"checkpoint","position":"…","checkpoint":{…}}
 *   {"kind":"handover","position":"…","handover":{…}}
 *   {"kind":"end","format":"pollster-audit-feed/1","after":"…","next":"…","head":"…","lines":n,"sha256":hex,"keyId","publicKey","signature"}
 * `sha256` is over the bytes of the lines before it; the signature (the current key) covers the
 * end line's other fields. Positions are strings.
 */
export const FEED_FORMAT = 'pollster-audit-feed/1';

export type FeedItem =
  | { kind: 'checkpoint'; position: string; checkpoint: Checkpoint }
  | { kind: 'handover'; position: string; handover: KeyHandover };

export interface FeedPage {
  items: FeedItem[];
  /** Ask with this as `after` for what follows. */
  next: string;
  /** The log's head when read: a witness that saw checkpoints past it sees the log went back. */
  head: string;
}

export interface FeedEnd {
  kind: 'end';
  format: typeof FEED_FORMAT;
  after: string;
  next: string;
  head: string;
  lines: number;
  sha256: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

/** One page of the feed after `after`, read from the log (categories `audit` and `auditkey`). */
export async function readCheckpointFeed(store: EventStore, after: bigint, limit: number): Promise<FeedPage> {
  const head = await store.headPosition();
  const page = await store.readAll({ from: after, limit, categories: ['audit', 'auditkey'] });
  const items: FeedItem[] = [];
  for (const e of page.events) {
    const data = e.stored?.data ?? e.data;
    const position = String(e.position);
    if (e.stream === HANDOVER_STREAM) {
      const handover = asHandover(data);
      if (handover) items.push({ kind: 'handover', position, handover });
    } else {
      const checkpoint = asCheckpoint(data);
      if (checkpoint) items.push({ kind: 'checkpoint', position, checkpoint });
    }
  }
  const next = page.events.length > 0 ? page.next : after;
  return { items, next: String(next), head: String(head > next ? head : next) };
}

/** The JSON-lines form of a page, its `end` line signed with `key`. */
export function feedText(page: FeedPage, after: bigint, key: SigningKey): string {
  const lines = page.items.map((item) => `${JSON.stringify(item)}\n`);
  const body: Omit<FeedEnd, 'signature'> = {
    kind: 'end',
    format: FEED_FORMAT,
    after: String(after),
    next: page.next,
    head: page.head,
    lines: lines.length,
    sha256: createHash('sha256').update(lines.join(''), 'utf8').digest('hex'),
    keyId: key.keyId,
    publicKey: key.publicKey,
  };
  return `${lines.join('')}${JSON.stringify({ ...body, signature: signMessage(key, FEED_FORMAT, canonicalJson(body)) })}\n`;
}

/** A feed text read back: its items and end line, or what is wrong with it. */
export function parseFeed(text: string): { items: FeedItem[]; end?: FeedEnd; problem?: string } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let end: FeedEnd | undefined;
  try {
    end = JSON.parse(lines.at(-1) ?? 'null') as FeedEnd;
  } catch {
    end = undefined;
  }
  if (end?.kind !== 'end' || end.format !== FEED_FORMAT) return { items: [], problem: 'the feed has no end line: cut short, or not a checkpoint feed' };
  const body = lines.slice(0, -1);
  const { signature, ...signed } = end;
  const sha256 = createHash('sha256').update(body.map((l) => `${l}\n`).join(''), 'utf8').digest('hex');
  if (sha256 !== end.sha256 || body.length !== end.lines) return { items: [], end, problem: 'the feed does not match its end line (edited or cut)' };
  if (!verifyMessage(end.publicKey, FEED_FORMAT, canonicalJson(signed), signature)) return { items: [], end, problem: 'the end line is not signed by the key it names' };
  const items: FeedItem[] = [];
  for (const line of body) {
    const item = JSON.parse(line) as FeedItem;
    if (item.kind === 'checkpoint' && asCheckpoint(item.checkpoint)) items.push(item);
    else if (item.kind === 'handover' && asHandover(item.handover)) items.push(item);
    else return { items, end, problem: `a line of the feed is neither a checkpoint nor a hand-over: ${line.slice(0, 80)}` };
  }
  return { items, end };
}
