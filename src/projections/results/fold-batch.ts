import type { RecordedEvent } from '../../event-store/port.ts';
import type { Answer } from '../../domain/ballot/answers.ts';
import { type VoteVisitor, visitVotes } from '../../domain/results/counts.ts';
import {
  type BallotStanding, evolveBallot, evolvePoll, isBallotEvent, isCounted, isFlaggedPending, isPollEvent, type PollStanding,
  touchPoll,
} from '../../domain/results/standing.ts';

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
  rankings: RankingDelta[];
};

/**
 * What a batch needs loaded: its polls, the ballots its events other than casts touch, and its
 * casts apart. A cast is the first event of its ballot's stream, so its ballot has no standing
 * yet unless the cast itself was applied before, and every applied cast moved its poll's
 * position past it: only a cast at or below its poll's position (handed in again, or a parked
 * one replayed) needs its standing looked up (see loadStandings). Ballots are most of the log,
 * and looking each one up was a sixth of a rebuild. Throws for an event without its ids (it
 * gets parked).
 */
export type BatchKeys = { pollIds: string[]; ballotIds: string[]; casts: CastKey[] };
export type CastKey = { ballotId: string; pollId: string; position: bigint };

export function keysOf(events: readonly RecordedEvent[]): BatchKeys {
  const pollIds = new Set<string>();
  const ballotIds = new Set<string>();
  const casts: CastKey[] = [];
  for (const event of events) {
    if (!isPollEvent(event) && !isBallotEvent(event)) continue;
    const data = event.data as { pollId?: unknown; ballotId?: unknown } | null;
    if (typeof data?.pollId !== 'string') throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no pollId`);
    pollIds.add(data.pollId);
    if (!isBallotEvent(event)) continue;
    if (typeof data.ballotId !== 'string') throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no ballotId`);
    if (event.type === 'BallotCast') casts.push({ ballotId: data.ballotId, pollId: data.pollId, position: event.position });
    else ballotIds.add(data.ballotId);
  }
  return { pollIds: [...pollIds], ballotIds: [...ballotIds], casts };
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
  const deltas = new VoteDeltas();
  const changedBallots: BatchChanges['ballots'] = { inserted: [], updated: [] };
  for (const [ballotId, after] of ballots) {
    const before = loaded.ballots.get(ballotId);
    if (before === after) continue;
    (before === undefined ? changedBallots.inserted : changedBallots.updated).push(after);
    const total = totals.get(after.pollId) ?? { ballots: 0, flagged: 0 };
    total.ballots += Number(isCounted(after)) - Number(before !== undefined && isCounted(before));
    total.flagged += Number(isFlaggedPending(after)) - Number(before !== undefined && isFlaggedPending(before));
    totals.set(after.pollId, total);
    if (before !== undefined && isCounted(before)) deltas.move(after.pollId, before.answers ?? [], -1);
    if (isCounted(after)) deltas.move(after.pollId, after.answers ?? [], 1);
  }
  return {
    // Also a poll whose standing did not move but whose ballots did: a ballot event below the
    // poll's position (a parked one replayed) counts without touching the poll.
    polls: [...polls.values()]
      .filter((p) => loaded.polls.get(p.pollId) !== p || totals.has(p.pollId))
      .map((p) => ({ ...p, ballotsDelta: totals.get(p.pollId)?.ballots ?? 0, flaggedDelta: totals.get(p.pollId)?.flagged ?? 0 })),
    ballots: changedBallots,
    answered: deltas.answeredCounts.nonZero(),
    options: deltas.optionVotes.nonZero(),
    ratings: deltas.ratingCounts.nonZero(),
    rankings: deltas.rankingCounts.nonZero(),
  };
}

/**
 * The counter deltas of a batch: one visitor for the whole batch (set to a ballot's poll and sign
 * before each visit), counters keyed by nested maps of the ids themselves. This runs for every
 * vote of every ballot; a visitor of closures per ballot and a joined string key per vote were a
 * fifth of a rebuild's Node time.
 */
class VoteDeltas implements VoteVisitor {
  readonly answeredCounts = new Counters<CounterDelta>();
  readonly optionVotes = new Counters<CounterDelta>();
  readonly ratingCounts = new Counters<CounterDelta>();
  readonly rankingCounts = new Counters<RankingDelta>();
  #pollId = '';
  #sign = 1;

  move(pollId: string, answers: readonly Answer[], sign: 1 | -1): void {
    this.#pollId = pollId;
    this.#sign = sign;
    visitVotes(answers, this);
  }

  answered(questionId: string): void {
    this.#bump(this.answeredCounts, questionId, '');
  }

  option(questionId: string, optionId: string): void {
    this.#bump(this.optionVotes, questionId, optionId);
  }

  rating(questionId: string, rating: number): void {
    this.#bump(this.ratingCounts, questionId, String(rating));
  }

  ranking(questionId: string, ranking: readonly string[]): void {
    const key = ranking.join('\u0000'); // ids cannot hold NUL (jsonb refuses U+0000)
    const delta = this.rankingCounts.get(this.#pollId, questionId, key);
    if (delta) delta.n += this.#sign;
    else this.rankingCounts.set(this.#pollId, questionId, key, { poll_id: this.#pollId, question_id: questionId, ranking, n: this.#sign });
  }

  #bump(counters: Counters<CounterDelta>, question_id: string, key: string): void {
    const delta = counters.get(this.#pollId, question_id, key);
    if (delta) delta.n += this.#sign;
    else counters.set(this.#pollId, question_id, key, { poll_id: this.#pollId, question_id, key, n: this.#sign });
  }
}

class Counters<D extends { n: number }> {
  readonly #byPoll = new Map<string, Map<string, Map<string, D>>>();

  get(pollId: string, questionId: string, key: string): D | undefined {
    return this.#byPoll.get(pollId)?.get(questionId)?.get(key);
  }

  set(pollId: string, questionId: string, key: string, delta: D): void {
    let byQuestion = this.#byPoll.get(pollId);
    if (byQuestion === undefined) this.#byPoll.set(pollId, (byQuestion = new Map()));
    let byKey = byQuestion.get(questionId);
    if (byKey === undefined) byQuestion.set(questionId, (byKey = new Map()));
    byKey.set(key, delta);
  }

  nonZero(): D[] {
    const out: D[] = [];
    for (const byQuestion of this.#byPoll.values()) {
      for (const byKey of byQuestion.values()) for (const delta of byKey.values()) if (delta.n !== 0) out.push(delta);
    }
    return out;
  }
}
