import type { RecordedEvent } from '../../../commands/event-store/port.ts';
import type { Answer } from '../../../domain/ballot/answers.ts';
import { visitVotes } from '../../../domain/results/counts.ts';
import {
  type BallotStanding, evolveBallot, evolvePoll, isBallotEvent, isCounted, isFlaggedPending, isPollEvent, type PollStanding,
  touchPoll,
} from '../../../domain/results/standing.ts';

/**
 * The batch in memory: the standings the batch touches (as loaded) are folded with the same
 * rules `tally` uses, then each ballot's net change becomes counter deltas, from exactly what the
 * ballot counted with before and counts with after. Pure, so the SQL around it stays set-based.
 */
export type Loaded = { polls: Map<string, PollStanding>; ballots: Map<string, BallotStanding> };

export type CounterDelta = { poll_id: string; question_id: string; key: string; n: number };
export type RankingDelta = { poll_id: string; question_id: string; ranking: readonly string[]; n: number };

export type BatchChanges = {
  polls: Array<PollStanding & { ballotsDelta: number; flaggedDelta: number }>;
  /** Standings to write: new ones (not in the table when loaded) and changed ones (loaded, so their rows exist). */
  ballots: { inserted: BallotStanding[]; updated: BallotStanding[] };
  answered: CounterDelta[];
  options: CounterDelta[];
  ratings: CounterDelta[];
  /** Counted ballots per identical ranking of a ranked question. */
  rankings: RankingDelta[];
};

/** Poll ids and ballot ids a batch needs loaded; throws for an event without them (it gets parked). */
export function keysOf(events: readonly RecordedEvent[]): { pollIds: string[]; ballotIds: string[] } {
  const pollIds = new Set<string>();
  const ballotIds = new Set<string>();
  for (const event of events) {
    if (!isPollEvent(event) && !isBallotEvent(event)) continue;
    const data = event.data as { pollId?: unknown; ballotId?: unknown } | null;
    if (typeof data?.pollId !== 'string') throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no pollId`);
    pollIds.add(data.pollId);
    if (!isBallotEvent(event)) continue;
    if (typeof data.ballotId !== 'string') throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no ballotId`);
    ballotIds.add(data.ballotId);
  }
  return { pollIds: [...pollIds], ballotIds: [...ballotIds] };
}

export function foldBatch(loaded: Loaded, events: readonly RecordedEvent[]): BatchChanges {
  const polls = new Map(loaded.polls);
  const ballots = new Map(loaded.ballots);
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data, position: recorded.position };
    if (isPollEvent(event)) {
      const after = evolvePoll(polls.get(event.data.pollId), event);
      if (after) polls.set(after.pollId, after);
      continue;
    }
    if (!isBallotEvent(event)) continue; // a newer program's type: not ours to count yet
    // A malformed event is parked with a plain message rather than counted as something else.
    if ((event.type === 'BallotCast' || event.type === 'BallotChanged') && !Array.isArray(event.data.answers)) {
      throw new TypeError(`${event.type} ${recorded.id} at position ${recorded.position} has no answers`);
    }
    if ((event.type === 'BallotFlagged' || event.type === 'FlagReviewed') && typeof event.data.flagId !== 'string') {
      throw new TypeError(`${event.type} ${recorded.id} at position ${recorded.position} has no flagId`);
    }
    const poll = polls.get(event.data.pollId);
    if (poll === undefined) throw new Error(`${event.type} ${recorded.id}: poll ${event.data.pollId} is unknown to results`);
    const before = ballots.get(event.data.ballotId);
    const after = evolveBallot(before, event, poll);
    if (after === undefined || after === before) continue;
    ballots.set(after.ballotId, after);
    polls.set(poll.pollId, touchPoll(poll, event.position));
  }
  return changesBetween(loaded, polls, ballots);
}

function changesBetween(loaded: Loaded, polls: Map<string, PollStanding>, ballots: Map<string, BallotStanding>): BatchChanges {
  const totals = new Map<string, { ballots: number; flagged: number }>();
  const counters = { answered: new Map<string, CounterDelta>(), options: new Map<string, CounterDelta>(), ratings: new Map<string, CounterDelta>() };
  // Map keys joined with NUL, which no id can hold (jsonb refuses U+0000): cheaper than
  // JSON.stringify, and this runs for every vote of every ballot in a batch.
  const bump = (map: Map<string, CounterDelta>, poll_id: string, question_id: string, key: string, n: number) => {
    const id = `${poll_id}\u0000${question_id}\u0000${key}`;
    const row = map.get(id);
    if (row) row.n += n;
    else map.set(id, { poll_id, question_id, key, n });
  };
  const rankings = new Map<string, RankingDelta>();
  const bumpRanking = (poll_id: string, question_id: string, ranking: readonly string[], n: number) => {
    const id = `${poll_id}\u0000${question_id}\u0000${ranking.join('\u0000')}`;
    const row = rankings.get(id);
    if (row) row.n += n;
    else rankings.set(id, { poll_id, question_id, ranking, n });
  };
  const changedBallots: BatchChanges['ballots'] = { inserted: [], updated: [] };
  for (const [ballotId, after] of ballots) {
    const before = loaded.ballots.get(ballotId);
    if (before === after) continue;
    (before === undefined ? changedBallots.inserted : changedBallots.updated).push(after);
    const total = totals.get(after.pollId) ?? { ballots: 0, flagged: 0 };
    total.ballots += Number(isCounted(after)) - Number(before !== undefined && isCounted(before));
    total.flagged += Number(isFlaggedPending(after)) - Number(before !== undefined && isFlaggedPending(before));
    totals.set(after.pollId, total);
    const move = (answers: readonly Answer[], sign: 1 | -1) =>
      visitVotes(answers, {
        answered: (q) => bump(counters.answered, after.pollId, q, '', sign),
        option: (q, o) => bump(counters.options, after.pollId, q, o, sign),
        rating: (q, r) => bump(counters.ratings, after.pollId, q, String(r), sign),
        ranking: (q, ranking) => bumpRanking(after.pollId, q, ranking, sign),
      });
    move(before !== undefined && isCounted(before) ? (before.answers ?? []) : [], -1);
    move(isCounted(after) ? (after.answers ?? []) : [], 1);
  }
  const nonZero = <D extends { n: number }>(map: Map<string, D>) => [...map.values()].filter((d) => d.n !== 0);
  return {
    polls: [...polls.values()]
      .filter((p) => loaded.polls.get(p.pollId) !== p)
      .map((p) => ({ ...p, ballotsDelta: totals.get(p.pollId)?.ballots ?? 0, flaggedDelta: totals.get(p.pollId)?.flagged ?? 0 })),
    ballots: changedBallots,
    answered: nonZero(counters.answered),
    options: nonZero(counters.options),
    ratings: nonZero(counters.ratings),
    rankings: nonZero(rankings),
  };
}
