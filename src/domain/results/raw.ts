import { countBallots, type Counts, emptyQuestionCounts } from './counts.ts';
import { buildResults, type QuestionResult } from './results.ts';
import type { BallotStanding, PollStanding } from './standing.ts';
import { applyToTally, initialTally, type LoggedEvent } from './tally.ts';

/**
 * The raw tally: the counting rules with reviewer rejections ignored (every ballot cast before
 * the close, as cast or last changed). Shown beside the adjudicated results to the people who
 * answer for a poll, so the effect of review is visible; it never replaces them.
 */
export type RawTally = {
  totalBallots: number;
  /** Ballots a reviewer rejected: the difference between the raw and the adjudicated totals. */
  rejectedBallots: number;
  /** Flags (not ballots) still waiting for a decision. */
  pendingFlags: number;
  /** Log position these figures are current through. */
  position: bigint;
  questions: QuestionResult[];
};

const unrejected = (ballots: Iterable<BallotStanding>): BallotStanding[] => [...ballots].map((b) => (b.rejected ? { ...b, rejected: false } : b));

function rawTally(poll: RawHeader, ballots: Iterable<BallotStanding>): RawTally {
  const all = [...ballots];
  const pendingFlags = all.reduce((n, b) => n + b.pendingFlags.length, 0);
  return fromCounts(poll, countBallots(unrejected(all)), rejectedCount(all), pendingFlags);
}

/**
 * From the read model: its counters (the adjudicated counts) plus the rejected standings, which
 * are few, counted as if not rejected. Same buildResults as everything else.
 */
export function rawTallyFromCounters(poll: RawHeader, counted: Counts, rejected: readonly BallotStanding[], pendingFlags: number): RawTally {
  return fromCounts(poll, plus(counted, countBallots(unrejected(rejected))), rejectedCount(rejected), pendingFlags);
}

type RawHeader = Pick<PollStanding, 'pollId' | 'status' | 'position' | 'questions'>;

const rejectedCount = (ballots: readonly BallotStanding[]): number => ballots.filter((b) => b.rejected && b.answers !== null).length;

function fromCounts(poll: RawHeader, counts: Counts, rejectedBallots: number, pendingFlags: number): RawTally {
  const results = buildResults({ pollId: poll.pollId, status: poll.status, position: poll.position }, poll.questions, counts);
  return { totalBallots: results.totalBallots, rejectedBallots, pendingFlags, position: poll.position, questions: results.questions };
}

function plus(a: Counts, b: Counts): Counts {
  const sum = <K>(x: Map<K, number>, y: Map<K, number>) => {
    const out = new Map(x);
    for (const [k, n] of y) out.set(k, (out.get(k) ?? 0) + n);
    return out;
  };
  const questions = new Map(a.questions);
  for (const [id, qb] of b.questions) {
    const qa = questions.get(id) ?? emptyQuestionCounts();
    questions.set(id, {
      answered: qa.answered + qb.answered,
      options: sum(qa.options, qb.options),
      ratings: sum(qa.ratings, qb.ratings),
      // instant-runoff takes weighted rankings; identical ones in two groups weigh the same as one
      rankings: [...qa.rankings, ...qb.rankings],
    });
  }
  return { ballots: a.ballots + b.ballots, flaggedPending: a.flaggedPending + b.flaggedPending, questions };
}

/** The raw tally of a poll by replaying its events (`?at=`, and polls the read model has not seen yet). */
export function rawTallyOf(pollId: string, events: Iterable<LoggedEvent>): RawTally | null {
  const state = initialTally();
  for (const event of events) applyToTally(state, pollId, event);
  return state.poll === undefined ? null : rawTally(state.poll, state.ballots.values());
}
