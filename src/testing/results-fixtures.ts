import type { Answer } from '../domain/ballot/answers.ts';
import type { BallotEvent } from '../domain/ballot/events.ts';
import type { PollEvent } from '../domain/poll/events.ts';
import { emptyMeta } from './ballot-fixtures.ts';
import { CLOSED_AT, OPENED_AT, POLL_ID, pollCreated } from './poll-fixtures.ts';

/**
 * Events of the fixture poll (src/testing/poll-fixtures.ts: q-single, q-multi, q-ranked,
 * q-rating) for results specs: one builder per event, and a seeded random history of casts,
 * changes, flags, reviews and a close for the property-style comparisons with `tally`.
 */
export type ResultsEvent = PollEvent | BallotEvent;

export const voterOf = (ballotId: string) => `u.${ballotId}`;

export const cast = (ballotId: string, answers: readonly Answer[], pollId = POLL_ID): BallotEvent => ({
  type: 'BallotCast',
  data: { ballotId, pollId, voterKey: voterOf(ballotId), answers, meta: emptyMeta, castAt: '2030-01-01T12:00:00.000Z', voterKind: 'account' },
});

export const change = (ballotId: string, answers: readonly Answer[], pollId = POLL_ID): BallotEvent => ({
  type: 'BallotChanged',
  data: {
    ballotId, pollId, voterKey: voterOf(ballotId), answers, meta: emptyMeta, previousAnswers: [],
    changedAt: '2030-01-01T13:00:00.000Z',
  },
});

export const flag = (ballotId: string, flagId: string, pollId = POLL_ID): BallotEvent => ({
  type: 'BallotFlagged',
  data: { flagId, ballotId, pollId, reasons: ['velocity'], flaggedBy: 'system', details: null, flaggedAt: '2030-01-01T14:00:00.000Z' },
});

export const review = (ballotId: string, flagId: string, decision: 'uphold' | 'reject', pollId = POLL_ID): BallotEvent => ({
  type: 'FlagReviewed',
  data: { flagId, ballotId, pollId, decision, note: '', reviewerId: 'user-reviewer', reviewedAt: '2030-01-01T15:00:00.000Z' },
});

export const created = (pollId = POLL_ID, settings = {}): PollEvent => ({ type: 'PollCreated', data: { ...pollCreated(settings).data, pollId } });
export const opened = (pollId = POLL_ID): PollEvent => ({ type: 'PollOpened', data: { pollId, openedBy: 'user-organizer', openedAt: OPENED_AT } });
export const closed = (pollId = POLL_ID): PollEvent => ({ type: 'PollClosed', data: { pollId, closedBy: 'system', closedAt: CLOSED_AT } });

/** Answers by name: `single('o-pizza')`, `multi('o-mon', 'o-tue')`, `ranked('o-c', 'o-a')`, `rating(4)`. */
export const single = (optionId: string): Answer => ({ questionId: 'q-single', optionIds: [optionId] });
export const multi = (...optionIds: string[]): Answer => ({ questionId: 'q-multi', optionIds });
export const ranked = (...ranking: string[]): Answer => ({ questionId: 'q-ranked', ranking });
export const rating = (value: number): Answer => ({ questionId: 'q-rating', rating: value });

/** Mulberry32: a tiny seeded generator, so a failing history can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const subset = <T>(random: () => number, items: readonly T[]): T[] => items.filter(() => random() < 0.5);

/** A valid answer set for the fixture poll; every question is answered or skipped at random. */
function randomAnswers(random: () => number): Answer[] {
  const answers: Answer[] = [];
  if (random() < 0.9) answers.push(single(pick(random, ['o-pizza', 'o-sushi'])));
  const days = subset(random, ['o-mon', 'o-tue', 'o-wed']).slice(0, 2);
  if (days.length > 0) answers.push(multi(...days));
  const teams = subset(random, ['o-a', 'o-b', 'o-c']).sort(() => random() - 0.5);
  if (teams.length > 0) answers.push(ranked(...teams));
  if (random() < 0.8) answers.push(rating(1 + Math.floor(random() * 5)));
  return answers.length > 0 ? answers : [single('o-pizza')];
}

/**
 * A random history of one poll: created, opened, then casts, changes, flags and reviews in any
 * order, the close somewhere in the middle (so some ballots and changes come after it).
 */
export function randomHistory(random: () => number, pollId: string, steps: number, ballotId: (n: number) => string): ResultsEvent[] {
  const events: ResultsEvent[] = [created(pollId), opened(pollId)];
  const ballots: string[] = [];
  const pending: Array<{ ballotId: string; flagId: string }> = [];
  const closeAt = Math.floor(steps * (0.5 + random() * 0.6));
  for (let step = 0; step < steps; step++) {
    if (step === closeAt) events.push(closed(pollId));
    const roll = random();
    if (ballots.length === 0 || roll < 0.45) {
      const id = ballotId(ballots.length);
      ballots.push(id);
      events.push(cast(id, randomAnswers(random), pollId));
    } else if (roll < 0.65) {
      events.push(change(pick(random, ballots), randomAnswers(random), pollId));
    } else if (roll < 0.82 || pending.length === 0) {
      const target = { ballotId: pick(random, ballots), flagId: `${pollId}-flag-${step}` };
      pending.push(target);
      events.push(flag(target.ballotId, target.flagId, pollId));
    } else {
      const [target] = pending.splice(Math.floor(random() * pending.length), 1);
      events.push(review(target!.ballotId, target!.flagId, random() < 0.5 ? 'reject' : 'uphold', pollId));
    }
  }
  return events;
}
