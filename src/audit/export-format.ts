import { createHash } from 'node:crypto';
import type { RecordedEvent } from '../event-store/port.ts';
import { signMessage, verifyMessage, type SigningKey } from './signing.ts';

/**
 * `pollster audit export` files (README.md, "Exports"): JSON lines, each an object with `kind`:
 *   header   format, pollId, exportedAt, publicKey, keyId
 *   event    every event of poll-<id>, ballot-<id>-* and audit-<id> (the checkpoints), in log order,
 *            with position, stream, revision, id, type, recordedAt, hash (and digestFormat 0 for
 *            backfilled events), data, metadata; positions and revisions as strings
 *   results  the results as published when exported (getResults), if any
 *   trailer  lines, sha256 over the bytes of every line before it (newlines included), and an
 *            Ed25519 signature of "pollster-audit-export/1\n" + that sha256 in hex
 * The trailer makes any edit of the file detectable, even one the chain does not cover (the
 * header, the results, whitespace); the chain and checkpoints make the log itself checkable.
 */
export const EXPORT_FORMAT = 'pollster-audit-export/1';

export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  pollId: string;
  exportedAt: string;
  publicKey: string;
  keyId: string;
}

export interface ExportTrailer {
  kind: 'trailer';
  lines: number;
  sha256: string;
  keyId: string;
  signature: string;
}

/**
 * One event as the log stores it: an event a read upcast to its current version (`stored`) is
 * written in its stored version, the one its hash covers; verifiers upcast it themselves.
 */
export const eventLine = (e: RecordedEvent): string => {
  const content = e.stored ?? e;
  return JSON.stringify({
    kind: 'event',
    position: String(e.position),
    stream: e.stream,
    revision: String(e.revision),
    id: e.id,
    type: content.type,
    recordedAt: e.recordedAt.toISOString(),
    hash: e.hash ?? null,
    ...(e.digestFormat === 0 ? { digestFormat: 0 } : {}),
    data: content.data,
    metadata: content.metadata,
  });
};

/** Builds the trailer over the lines written so far (each already ending in "\n"). */
export class ExportSigner {
  readonly #hash = createHash('sha256');
  readonly #key: SigningKey;
  #lines = 0;

  constructor(key: SigningKey) {
    this.#key = key;
  }

  line(text: string): string {
    const withNewline = `${text}\n`;
    this.#hash.update(withNewline, 'utf8');
    this.#lines++;
    return withNewline;
  }

  trailer(): string {
    const sha256 = this.#hash.digest('hex');
    const trailer: ExportTrailer = { kind: 'trailer', lines: this.#lines, sha256, keyId: this.#key.keyId, signature: signMessage(this.#key, EXPORT_FORMAT, sha256) };
    return `${JSON.stringify(trailer)}\n`;
  }
}

/** Checks the trailer of a whole file's text; returns the lines before it, or a problem. */
export function checkTrailer(text: string, publicKey: string): { lines: string[]; problem?: string } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const last = lines.pop();
  let trailer: Partial<ExportTrailer> | undefined;
  try {
    trailer = last === undefined ? undefined : (JSON.parse(last) as Partial<ExportTrailer>);
  } catch {
    trailer = undefined;
  }
  if (trailer?.kind !== 'trailer' || typeof trailer.sha256 !== 'string' || typeof trailer.signature !== 'string') {
    return { lines, problem: 'the file has no trailer: it is cut short or was edited' };
  }
  const sha256 = createHash('sha256').update(lines.map((l) => `${l}\n`).join(''), 'utf8').digest('hex');
  if (trailer.lines !== lines.length || sha256 !== trailer.sha256) return { lines, problem: 'the file was edited after it was exported (its digest does not match the trailer)' };
  if (!verifyMessage(publicKey, EXPORT_FORMAT, sha256, trailer.signature)) return { lines, problem: 'the trailer is not signed by the key' };
  return { lines };
}
