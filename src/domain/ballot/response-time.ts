import { toMillis, type Instant } from '../shared/time.ts';

/**
 * Response time: from when the voter first saw the poll (a start the client reports with the
 * ballot, e.g. the vote page's load) to the ballot. A client's clock and a client's word are not
 * trusted far: a start more than CLOCK_SKEW_SECONDS in the future, or more than
 * MAX_RESPONSE_SECONDS before the ballot, is implausible and gives no response time (the ballot
 * itself is unaffected); a start slightly in the future (clock skew) counts as 0 s.
 *
 * Kept in whole seconds, never the start itself: a millisecond duration next to castAt would
 * give the exact moment the page was loaded, a timestamp to join against other logs (the
 * "timing" the pseudonymous-ballot model does not cover); whole seconds are no finer than
 * what an analyst needs.
 */
export const MAX_RESPONSE_SECONDS = 6 * 60 * 60;
export const CLOCK_SKEW_SECONDS = 60;

export function responseSeconds(startedAt: Instant | undefined, castAt: Instant): number | null {
  if (startedAt === undefined) return null;
  const start = toMillis(startedAt);
  const end = toMillis(castAt);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  const seconds = (end - start) / 1000;
  if (seconds < -CLOCK_SKEW_SECONDS || seconds > MAX_RESPONSE_SECONDS) return null;
  return Math.max(0, Math.floor(seconds));
}
