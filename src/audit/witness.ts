import { asCheckpoint, checkpointHash, checkpointSignatureValid } from './checkpoint.ts';
import type { FeedEnd, FeedItem } from './checkpoint-feed.ts';
import { handoverValid } from './key-handover.ts';
import { keyIdOf } from './signing.ts';

/**
 * What `pollster audit witness` keeps and how it judges each page of the feed, pure (the CLI does
 * the fetching and the files). A witness pins a key fingerprint, follows hand-overs from it, and
 * remembers per poll the latest checkpoint it accepted. Anything that contradicts what it kept is
 * a finding, and the state does not move past it, so every later run reports it again:
 *   rollback    the log's head, or a poll's sequence, through or event count, went back
 *   fork        a checkpoint at a sequence already seen with another hash, or one not naming the previous
 *   gap         a sequence skipped (a checkpoint withheld), or a poll first seen past its first checkpoint
 *   key-change  a checkpoint or the feed signed by a key no hand-over chains back to the pin
 *   bad-signature / malformed
 */
export interface WitnessState {
  format: 'pollster-witness/1';
  pinned: string;
  /** keyId → public key, for every key handed over to from the pin (the pin itself once seen). */
  trusted: Record<string, string | null>;
  /** The feed position read through. */
  cursor: string;
  polls: Record<string, { sequence: number | null; hash: string; through: string; events: number; position: string }>;
  checkpoints: number;
}

export type FindingKind = 'rollback' | 'fork' | 'gap' | 'key-change' | 'bad-signature' | 'malformed';

export interface Finding {
  kind: FindingKind;
  pollId?: string;
  position?: string;
  message: string;
}

export function newWitnessState(pinned: string): WitnessState {
  return { format: 'pollster-witness/1', pinned, trusted: { [pinned]: null }, cursor: '0', polls: {}, checkpoints: 0 };
}

/**
 * One page: returns the state after it (unchanged by anything after a finding) and the findings,
 * with the items accepted (what the witness stores).
 */
export function observe(before: WitnessState, items: readonly FeedItem[], end: FeedEnd): { state: WitnessState; findings: Finding[]; accepted: FeedItem[] } {
  const state: WitnessState = structuredClone(before);
  const findings: Finding[] = [];
  const accepted: FeedItem[] = [];
  if (BigInt(end.head) < BigInt(state.cursor)) {
    findings.push({ kind: 'rollback', message: `the log's head is at position ${end.head}, but this witness has read checkpoints through ${state.cursor}: the log went back` });
  }
  for (const item of items) {
    if (findings.length > 0) break;
    if (item.kind === 'handover') {
      const h = item.handover;
      if (h.previousKeyId in state.trusted && handoverValid(h)) {
        state.trusted[h.previousKeyId] = h.previousPublicKey;
        state.trusted[h.keyId] = h.publicKey;
      }
      accepted.push(item);
      continue;
    }
    const c = asCheckpoint(item.checkpoint);
    if (c === undefined) {
      findings.push({ kind: 'malformed', position: item.position, message: 'a checkpoint of the feed is not well formed' });
      break;
    }
    const at = { pollId: c.pollId, position: item.position };
    const keyId = keyIdOf(c.publicKey);
    if (!(keyId in state.trusted)) {
      findings.push({ ...at, kind: 'key-change', message: `checkpoint ${c.sequence ?? '?'} of poll ${c.pollId} is signed by key ${keyId}, which no hand-over chains back to the pinned key ${state.pinned}` });
      break;
    }
    if (keyIdOf(c.publicKey) !== c.keyId || !checkpointSignatureValid(c, c.publicKey)) {
      findings.push({ ...at, kind: 'bad-signature', message: `checkpoint ${c.sequence ?? '?'} of poll ${c.pollId} does not verify under the key it names` });
      break;
    }
    const hash = checkpointHash(c);
    const known = state.polls[c.pollId];
    const sequence = c.format === 'pollster-checkpoint/1' ? null : c.sequence!;
    if (known !== undefined && sequence !== null && known.sequence !== null) {
      if (sequence === known.sequence && hash === known.hash) continue; // served again: nothing new
      if (sequence <= known.sequence) {
        findings.push({
          ...at,
          kind: sequence === known.sequence ? 'fork' : 'rollback',
          message: sequence === known.sequence
            ? `poll ${c.pollId} has two checkpoints ${sequence}: ${known.hash.slice(0, 16)}… (seen at position ${known.position}) and ${hash.slice(0, 16)}… (position ${item.position})`
            : `poll ${c.pollId} is back at checkpoint ${sequence} (position ${item.position}), after this witness saw checkpoint ${known.sequence} (${known.hash.slice(0, 16)}…, through ${known.through})`,
        });
        break;
      }
      if (sequence > known.sequence + 1) {
        findings.push({ ...at, kind: 'gap', message: `poll ${c.pollId} went from checkpoint ${known.sequence} to ${sequence}: checkpoints ${known.sequence + 1}..${sequence - 1} were never published` });
        break;
      }
    }
    if (known !== undefined && c.format !== 'pollster-checkpoint/1' && c.previous !== known.hash) {
      findings.push({ ...at, kind: 'fork', message: `checkpoint ${sequence} of poll ${c.pollId} names ${c.previous?.slice(0, 16) ?? 'no'}… as the one before, but this witness saw ${known.hash.slice(0, 16)}… (checkpoint ${known.sequence ?? '?'})` });
      break;
    }
    if (known === undefined && sequence !== null && sequence > 0 && c.previous !== null) {
      findings.push({ ...at, kind: 'gap', message: `poll ${c.pollId} first appears at checkpoint ${sequence}: checkpoints 0..${sequence - 1} were never published` });
      break;
    }
    if (known !== undefined && (BigInt(c.through) < BigInt(known.through) || c.events < known.events)) {
      findings.push({ ...at, kind: 'rollback', message: `poll ${c.pollId} shrank: checkpoint ${sequence ?? '?'} covers ${c.events} events through ${c.through}, after ${known.events} through ${known.through}` });
      break;
    }
    state.polls[c.pollId] = { sequence, hash, through: c.through, events: c.events, position: item.position };
    state.trusted[keyId] = c.publicKey;
    state.checkpoints++;
    accepted.push(item);
  }
  if (findings.length > 0) return { state: before, findings, accepted: [] };
  const feedKey = keyIdOf(end.publicKey);
  if (!(feedKey in state.trusted)) {
    return { state: before, findings: [{ kind: 'key-change', message: `the feed is signed by key ${feedKey}, which no hand-over chains back to the pinned key ${state.pinned}` }], accepted: [] };
  }
  state.cursor = BigInt(end.next) > BigInt(state.cursor) ? end.next : state.cursor;
  return { state, findings, accepted };
}
