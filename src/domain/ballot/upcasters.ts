import type { StoredData } from '../shared/event-version.ts';
import type { VoterKind } from './events.ts';

// The voter-key prefixes every version-1 ballot was written with (src/commands/ballots/voter-key.ts).
const KIND_OF_PREFIX: Readonly<Record<string, VoterKind>> = { 'u.': 'account', 'a.': 'pseudonym', 't.': 'token', 'f.': 'fingerprint' };

/**
 * BallotCast version 1 → 2: version 2 records `voterKind`. A version-1 ballot carries no kind, but
 * its voter key says it: the prefix it was made with (`u.` account, `a.` pseudonym, `t.` token,
 * `f.` fingerprint), the same policy-driven rule decide applies now. A key with none of them
 * (never written by Pollster) gets `unknown` rather than a guess.
 */
export function ballotCastV1ToV2(data: StoredData): Record<string, unknown> {
  const key = typeof data.voterKey === 'string' ? data.voterKey : '';
  return { ...data, voterKind: KIND_OF_PREFIX[key.slice(0, 2)] ?? 'unknown' };
}
