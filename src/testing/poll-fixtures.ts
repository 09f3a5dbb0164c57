import { DEFAULT_POLL_SETTINGS, type CreatePoll, type PollSettingsInput, type QuestionInput } from '../domain/poll/commands.ts';
import type { PollDefinition, PollSettings } from '../domain/poll/definition.ts';
import type { PollClosed, PollCreated, PollEvent, PollOpened } from '../domain/poll/events.ts';
import { evolve } from '../domain/poll/evolve.ts';
import { initialPollState, type PollState } from '../domain/poll/state.ts';

/**
 * A small poll with one question of every kind, as a command and as the event it produces, for
 * the poll and ballot unit specs. Times are fixed (no clock in unit tests).
 */
export const POLL_ID = 'poll-1';
const ORGANIZER_ID = 'user-organizer';
const CREATED_AT = '2030-01-01T09:00:00.000Z';
export const OPENED_AT = '2030-01-01T10:00:00.000Z';
export const CLOSED_AT = '2030-01-02T10:00:00.000Z';

export const questionInputs = (): QuestionInput[] => [
  { questionId: 'q-single', text: 'Where?', kind: 'single', options: [
    { optionId: 'o-pizza', text: 'Pizza' }, { optionId: 'o-sushi', text: 'Sushi' }] },
  { questionId: 'q-multi', text: 'Which days?', kind: 'multiple', maxChoices: 2, options: [
    { optionId: 'o-mon', text: 'Mon' }, { optionId: 'o-tue', text: 'Tue' }, { optionId: 'o-wed', text: 'Wed' }] },
  { questionId: 'q-ranked', text: 'Rank the teams', kind: 'ranked', options: [
    { optionId: 'o-a', text: 'A' }, { optionId: 'o-b', text: 'B' }, { optionId: 'o-c', text: 'C' }] },
  { questionId: 'q-rating', text: 'Rate the venue', kind: 'rating', scale: { min: 1, max: 5 } },
];

export const settingsInput = (overrides: Partial<PollSettingsInput> = {}): PollSettingsInput => ({
  ...DEFAULT_POLL_SETTINGS,
  ...overrides,
});

export const createPollCommand = (overrides: Partial<CreatePoll['data']> = {}): CreatePoll => ({
  type: 'CreatePoll',
  data: {
    pollId: POLL_ID,
    slug: 'lunch',
    organizerId: ORGANIZER_ID,
    title: 'Lunch',
    questions: questionInputs(),
    settings: settingsInput(),
    now: CREATED_AT,
    ...overrides,
  },
});

/** The definition CreatePoll above stores: maxChoices filled in, fraud overrides null, unchecked ballots accepted. */
export const pollDefinition = (settings: Partial<PollSettings> = {}): PollDefinition => ({
  pollId: POLL_ID,
  slug: 'lunch',
  organizerId: ORGANIZER_ID,
  title: 'Lunch',
  description: null,
  questions: [
    { questionId: 'q-single', text: 'Where?', kind: 'single', options: [
      { optionId: 'o-pizza', text: 'Pizza' }, { optionId: 'o-sushi', text: 'Sushi' }] },
    { questionId: 'q-multi', text: 'Which days?', kind: 'multiple', maxChoices: 2, options: [
      { optionId: 'o-mon', text: 'Mon' }, { optionId: 'o-tue', text: 'Tue' }, { optionId: 'o-wed', text: 'Wed' }] },
    { questionId: 'q-ranked', text: 'Rank the teams', kind: 'ranked', options: [
      { optionId: 'o-a', text: 'A' }, { optionId: 'o-b', text: 'B' }, { optionId: 'o-c', text: 'C' }] },
    { questionId: 'q-rating', text: 'Rate the venue', kind: 'rating', scale: { min: 1, max: 5 } },
  ],
  settings: {
    voterPolicy: 'account',
    anonymous: false,
    allowChangeVote: false,
    visibility: 'public',
    showResultsBeforeClose: true,
    startsAt: null,
    endsAt: null,
    fraudVelocityLimit: null,
    fraudVelocityWindowSeconds: null,
    fraudCheckUnavailable: 'accept',
    ...settings,
  },
  createdAt: CREATED_AT,
});

export const pollCreated = (settings: Partial<PollSettings> = {}): PollCreated => ({
  type: 'PollCreated',
  data: pollDefinition(settings),
});

export const pollOpened = (): PollOpened => ({
  type: 'PollOpened',
  data: { pollId: POLL_ID, openedBy: ORGANIZER_ID, openedAt: OPENED_AT },
});

export const pollClosed = (): PollClosed => ({
  type: 'PollClosed',
  data: { pollId: POLL_ID, closedBy: 'system', closedAt: CLOSED_AT },
});

/** The folded poll stream a ballot command receives, e.g. `pollState([pollCreated(), pollOpened()])`. */
export const pollState = (events: readonly PollEvent[]): PollState => events.reduce(evolve, initialPollState());

/** An active poll with the given settings: the usual `poll` of a ballot command. */
export const activePoll = (settings: Partial<PollSettings> = {}): PollState =>
  pollState([pollCreated(settings), pollOpened()]);
