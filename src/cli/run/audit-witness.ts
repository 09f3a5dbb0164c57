import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseFeed } from '../../audit/checkpoint-feed.ts';
import { fingerprintFrom } from '../../audit/signing.ts';
import { newWitnessState, observe, type Finding, type WitnessState } from '../../audit/witness.ts';

export interface WitnessOptions {
  from: string;
  key?: string;
  state: string;
  once?: boolean;
  interval: string;
}

/** Exit codes: 0 nothing wrong (with --once: caught up), 1 could not check (usage, network, a broken feed), 2 a finding. */
export const WITNESS_FINDING = 2;

/**
 * `pollster audit witness`: follows the checkpoint feed of a Pollster server from another machine
 * and keeps, in `--state`, every checkpoint it accepted (checkpoints.jsonl), what it judges the
 * next page by (state.json) and any finding (findings.jsonl). Needs no database and no account.
 */
export async function witness(options: WitnessOptions): Promise<number> {
  const dir = options.state;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let state = await load(dir);
  const pinned = options.key === undefined ? undefined : fingerprintFrom(options.key);
  if (state === undefined) {
    if (pinned === undefined) return fail(`${dir} holds no witness state yet: pin a key with --key <fingerprint> (the one \`pollster audit key\` prints on the server, obtained from its operator over a channel you trust)`);
    state = newWitnessState(pinned);
    await save(dir, state);
  } else if (pinned !== undefined && pinned !== state.pinned) {
    return fail(`${dir} witnesses key ${state.pinned}, not ${pinned}: use another --state folder for another key`);
  }
  const feed = feedUrl(options.from);
  const intervalMs = Math.max(0.1, Number(options.interval)) * 1000;
  for (;;) {
    const url = `${feed}?after=${state.cursor}&limit=1000`;
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) return fail(`${url} answered ${response.status}`);
      text = await response.text();
    } catch (error) {
      return fail(`${url} could not be read: ${(error as Error).message}`);
    }
    const parsed = parseFeed(text);
    if (parsed.problem || !parsed.end) return fail(`${url}: ${parsed.problem ?? 'no end line'}`);
    const { state: after, findings, accepted } = observe(state, parsed.items, parsed.end);
    if (findings.length > 0) {
      await appendFile(join(dir, 'findings.jsonl'), findings.map((f) => `${JSON.stringify({ at: new Date().toISOString(), feed: url, ...f })}\n`).join(''));
      console.log(report(findings, state, dir));
      return WITNESS_FINDING;
    }
    if (accepted.length > 0) await appendFile(join(dir, 'checkpoints.jsonl'), accepted.map((i) => `${JSON.stringify(i)}\n`).join(''), { mode: 0o600 });
    const moved = after.cursor !== state.cursor;
    state = after;
    await save(dir, state);
    const caughtUp = parsed.items.length === 0 || BigInt(parsed.end.next) >= BigInt(parsed.end.head);
    if (moved || accepted.length > 0) {
      console.log(`${new Date().toISOString()} ok: ${accepted.filter((i) => i.kind === 'checkpoint').length} new checkpoints, ${state.checkpoints} kept for ${Object.keys(state.polls).length} polls, read through position ${state.cursor} of ${parsed.end.head}`);
    }
    if (!caughtUp) continue;
    if (options.once) {
      console.log(`caught up: ${state.checkpoints} checkpoints of ${Object.keys(state.polls).length} polls verified against key ${state.pinned} and the ones it handed over to; no rollback, fork, gap or unannounced key`);
      return 0;
    }
    await sleep(intervalMs);
  }
}

function report(findings: readonly Finding[], state: WitnessState, dir: string): string {
  return [
    `WITNESS ALARM: ${[...new Set(findings.map((f) => f.kind))].join(', ')}`,
    ...findings.map((f) => `  ${f.kind.toUpperCase()}${f.pollId ? ` poll ${f.pollId}` : ''}${f.position ? ` at position ${f.position}` : ''}: ${f.message}`),
    `  the state in ${dir} is left as it was before (${state.checkpoints} checkpoints kept, through position ${state.cursor}); findings.jsonl records this; every run will report it until it is explained`,
  ].join('\n');
}

function fail(message: string): number {
  console.error(`pollster: ${message}`);
  return 1;
}

/** A server's base URL (the feed's path is added) or the feed's own URL. */
export function feedUrl(from: string): string {
  const url = new URL(from);
  if (!url.pathname.endsWith('.jsonl')) url.pathname = `${url.pathname.replace(/\/$/, '')}/api/audit/checkpoints.jsonl`;
  url.search = '';
  return url.toString();
}

async function load(dir: string): Promise<WitnessState | undefined> {
  const text = await readFile(join(dir, 'state.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as WitnessState);
}

/** Written whole, then renamed: a witness killed mid-write keeps its previous state. */
async function save(dir: string, state: WitnessState): Promise<void> {
  await writeFile(join(dir, 'state.json.tmp'), `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
  await rename(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}
