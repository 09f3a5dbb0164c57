import type { ExistingPollState } from '../../../domain/poll/state.ts';
import { type RawTally, rawTallyOf } from '../../../domain/results/raw.ts';
import { getRawTally, readPollEvents } from '../../../projections/queries.ts';
import type { Services } from '../../../runtime/services.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/** Besides the poll's organizer, the roles that answer for the integrity of results. */
const RAW_ROLES = ['admin', 'auditor', 'reviewer'] as const;

export function maySeeRawTally(state: ExistingPollState, user: AuthUser | undefined): boolean {
  if (user === undefined) return false;
  return user.userId === state.poll.organizerId || RAW_ROLES.some((role) => user.roles.includes(role));
}

/**
 * The raw tally (reviewer rejections ignored) beside the results: from the read models, or by
 * replay for `?at=` (the route has already made sure the log is complete through it) and for a
 * poll the read models have not seen yet.
 */
export async function rawTallyFor(services: Services, pollId: string, at: bigint | undefined): Promise<RawTally | undefined> {
  const fromReadModel = at === undefined ? await getRawTally(services.sql, pollId) : null;
  if (fromReadModel) return fromReadModel;
  const replayed = rawTallyOf(pollId, await readPollEvents(services.store, pollId, at === undefined ? {} : { upTo: at }));
  return replayed ?? undefined;
}

/** As the API shows it: positions are numbers there. */
export const rawView = (raw: RawTally) => ({ ...raw, position: Number(raw.position) });
