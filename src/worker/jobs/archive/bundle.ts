import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordedEvent } from '../../../event-store/port.ts';
// The audit export's line format: an archive's events carry their hashes and verify with the same tools.
import { eventLine } from '../../../audit/export-format.ts';

/**
 * An archive bundle: one folder per poll under the archive dir,
 *   poll.json      the definition (from PollCreated) and how the poll ended
 *   events.jsonl   every event of the poll and its ballots, in log order, one JSON object a line
 *   results.json   final results, where a results query is wired in
 *   SHA256SUMS     `sha256sum -c SHA256SUMS` format, so the bundle verifies with standard tools
 */
const SUMS_FILE = 'SHA256SUMS';
export const FORMAT = 'pollster-archive/1';

export interface BundleInput {
  dir: string;
  pollId: string;
  poll: Record<string, unknown>;
  events: readonly RecordedEvent[];
  results?: unknown;
}

export interface WrittenBundle {
  path: string;
  /** sha256 of SHA256SUMS: one value that pins the whole bundle. */
  checksum: string;
  events: number;
}

/** bigint (results carry a log position) as a string: JSON numbers lose precision past 2^53. */
const toJson = (value: unknown): string =>
  `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`;

const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');

/**
 * Written into a temporary folder and renamed into place, so a reader never sees half a bundle;
 * an older bundle of the same poll (a crash after the rename, before it was recorded) is replaced.
 */
export async function writeBundle(input: BundleInput): Promise<WrittenBundle> {
  await mkdir(input.dir, { recursive: true });
  const path = join(input.dir, input.pollId);
  const temp = join(input.dir, `.${input.pollId}.${randomUUID()}.partial`);
  await mkdir(temp);
  try {
    const sums: string[] = [];
    const put = async (name: string, content: string) => {
      await writeFile(join(temp, name), content);
      sums.push(`${sha256(content)}  ${name}`);
    };
    await put('poll.json', toJson({ format: FORMAT, ...input.poll }));
    sums.push(`${await writeLines(join(temp, 'events.jsonl'), input.events.map(eventLine))}  events.jsonl`);
    if (input.results !== undefined) await put('results.json', toJson(input.results));
    const sumsText = `${sums.join('\n')}\n`;
    await writeFile(join(temp, SUMS_FILE), sumsText);
    await rm(path, { recursive: true, force: true });
    await rename(temp, path);
    return { path, checksum: sha256(sumsText), events: input.events.length };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Streams the lines to disk (a big poll's events do not become one string) and hashes them on the way. */
async function writeLines(path: string, lines: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  for (const line of lines) {
    const chunk = `${line}\n`;
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished;
  return hash.digest('hex');
}

/** Re-hashes every file named in SHA256SUMS; the names of files that do not match (empty = intact). */
export async function verifyBundle(path: string): Promise<string[]> {
  const sums = await readFile(join(path, SUMS_FILE), 'utf8');
  const bad: string[] = [];
  for (const line of sums.split('\n').filter(Boolean)) {
    const [expected, name] = line.split(/ {2}/);
    const actual = await readFile(join(path, name!)).then(sha256, () => undefined);
    if (actual !== expected) bad.push(name!);
  }
  return bad;
}
