import type { JsonObject } from '../../domain/shared/json.ts';
import type { PollLimits } from './settings.ts';

/**
 * Which reasons a counted ballot is flagged for (pure: the counts come from the counter).
 * Counts are of voters, not requests: a voter's repeats, and attempts refused as duplicates, do
 * not count (velocity-counter.ts).
 * - `velocity`: more voters than the limit cast from its IP prefix in the window (every voter
 *   policy); the ballot that crosses the limit and every later one is flagged, the ones before it are not.
 * - `fingerprint` (`open` polls only, see `countsClientAddress`): more distinct voters than its own
 *   limit came from one client address, i.e. one host minting voters by changing its user agent,
 *   well below what velocity would notice.
 * - `new-account`: added to a flag raised for another reason when the account was created
 *   minutes before it voted. Alone it is no reason: a poll shared widely brings honest sign-ups.
 */
export type FlagReason = 'velocity' | 'fingerprint' | 'new-account';

export interface Detection {
  reasons: FlagReason[];
  details: JsonObject;
}

export interface Counts {
  ipPrefix: string;
  prefixCount: number;
  fingerprintCount: number;
  challenged: boolean;
}

export function detect(counts: Counts, limits: PollLimits): Detection | null {
  const reasons: FlagReason[] = [];
  if (counts.prefixCount > limits.velocityLimit) reasons.push('velocity');
  if (limits.fingerprintLimit > 0 && counts.fingerprintCount > limits.fingerprintLimit) reasons.push('fingerprint');
  if (reasons.length === 0) return null;
  return {
    reasons,
    details: {
      ipPrefix: counts.ipPrefix,
      prefixCount: counts.prefixCount,
      velocityLimit: limits.velocityLimit,
      windowSeconds: limits.windowSeconds,
      ...(limits.fingerprintLimit > 0 ? { fingerprintCount: counts.fingerprintCount, fingerprintLimit: limits.fingerprintLimit } : {}),
      challengeSolved: counts.challenged,
    },
  };
}

/** Adds `new-account` (and the age) when the voting account is younger than the limit. */
export function withAccountAge(detection: Detection, ageSeconds: number | null, limits: PollLimits): Detection {
  if (ageSeconds === null || limits.newAccountSeconds === 0 || ageSeconds >= limits.newAccountSeconds) return detection;
  return {
    reasons: [...detection.reasons, 'new-account'],
    details: { ...detection.details, accountAgeSeconds: Math.max(0, Math.round(ageSeconds)) },
  };
}
