import { describe, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  createPollCommand as create,
  pollCreated,
  pollDefinition,
  questionInputs,
  settingsInput,
} from '../../testing/poll-fixtures.ts';
import { ConflictError, ValidationError } from '../shared/errors.ts';
import type { QuestionInput } from './commands.ts';
import { pollDecider } from './decider.ts';

const spec = deciderSpec(pollDecider);
const withQuestion = (i: number, patch: Partial<QuestionInput>): QuestionInput[] =>
  questionInputs().map((q, j) => (j === i ? { ...q, ...patch } : q));
const options = (...texts: string[]) => texts.map((text, i) => ({ optionId: `x-${i}`, text }));

describe('CreatePoll', () => {
  it('creates a draft poll with the normalised definition', () => {
    spec.given([]).when(create()).then([pollCreated()]);
  });

  it('trims texts, stores a blank description as null and canonicalises times', () => {
    const command = create({
      title: '  Lunch ',
      description: '   ',
      settings: settingsInput({ startsAt: '2030-01-01T11:00:00+01:00', endsAt: '2030-01-03T00:00:00Z' }),
      now: new Date('2030-01-01T09:00:00Z'),
    });
    spec.given([]).when(command).then([
      pollCreated({ startsAt: '2030-01-01T10:00:00.000Z', endsAt: '2030-01-03T00:00:00.000Z' }),
    ]);
  });

  it('keeps a description and fraud overrides (0 turns detection off)', () => {
    const command = create({
      description: 'Friday',
      settings: settingsInput({ fraudVelocityLimit: 0, fraudVelocityWindowSeconds: 60 }),
    });
    const expected = pollDefinition({ fraudVelocityLimit: 0, fraudVelocityWindowSeconds: 60 });
    spec.given([]).when(command).then([{ type: 'PollCreated', data: { ...expected, description: 'Friday' } }]);
  });

  it('stores what a ballot meets when the fraud check cannot run: refuse as given, accept when absent or null', () => {
    spec.given([]).when(create({ settings: settingsInput({ fraudCheckUnavailable: 'refuse' }) }))
      .then([pollCreated({ fraudCheckUnavailable: 'refuse' })]);
    spec.given([]).when(create({ settings: settingsInput({ fraudCheckUnavailable: null }) })).then([pollCreated()]);
    spec.given([]).when(create({ settings: settingsInput({ fraudVelocityLimit: 0, fraudCheckUnavailable: 'accept' }) }))
      .then([pollCreated({ fraudVelocityLimit: 0 })]);
  });

  it('keeps a token poll\'s maximum number of vote tokens, and stores none where none was given', () => {
    spec.given([]).when(create({ settings: settingsInput({ voterPolicy: 'token', maxVoteTokens: 5_000 }) }))
      .then([pollCreated({ voterPolicy: 'token', maxVoteTokens: 5_000 })]);
    spec.given([]).when(create({ settings: settingsInput({ voterPolicy: 'token', maxVoteTokens: null }) }))
      .then([pollCreated({ voterPolicy: 'token' })]);
  });

  it('defaults maxChoices of a multiple question to its number of options', () => {
    const questions = withQuestion(1, { maxChoices: undefined });
    const expected = pollDefinition();
    spec.given([]).when(create({ questions })).then([{
      type: 'PollCreated',
      data: { ...expected, questions: expected.questions.map((q) => (q.kind === 'multiple' ? { ...q, maxChoices: 3 } : q)) },
    }]);
  });

  it('keeps an option\'s picture as a normalised http(s) URL, and no imageUrl at all where none was given', () => {
    const withImages = withQuestion(0, {
      options: [
        { optionId: 'o-pizza', text: 'Pizza', imageUrl: 'HTTPS://img.example.org/pizza.png' },
        { optionId: 'o-sushi', text: 'Sushi', imageUrl: null },
      ],
    });
    const expected = pollDefinition();
    spec.given([]).when(create({ questions: withImages })).then([{
      type: 'PollCreated',
      data: {
        ...expected,
        questions: expected.questions.map((q) =>
          q.kind === 'single'
            ? { ...q, options: [{ optionId: 'o-pizza', text: 'Pizza', imageUrl: 'https://img.example.org/pizza.png' }, { optionId: 'o-sushi', text: 'Sushi' }] }
            : q),
      },
    }]);
  });

  it('rejects a poll that already exists', () => {
    spec.given([pollCreated()]).when(create()).thenThrows(ConflictError, 'poll.already-exists');
  });

  const invalid: [string, Partial<Parameters<typeof create>[0]>, string, string][] = [
    ['an empty title', { title: '  ' }, 'poll.invalid-title', 'title'],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, 'poll.invalid-title', 'title'],
    ['a slug that is not url-safe', { slug: 'Lunch Poll' }, 'poll.invalid-slug', 'slug'],
    ['no questions', { questions: [] }, 'poll.invalid-questions', 'questions'],
    ['21 questions', { questions: Array.from({ length: 21 }, (_, i) => ({
      questionId: `q${i}`, text: 'Q', kind: 'rating' as const, scale: { min: 1, max: 5 } })) },
      'poll.invalid-questions', 'questions'],
    ['an empty question text', { questions: withQuestion(1, { text: ' ' }) }, 'poll.invalid-question-text', 'questions[1].text'],
    ['an unknown kind', { questions: withQuestion(0, { kind: 'essay' as never }) }, 'poll.invalid-kind', 'questions[0].kind'],
    ['a repeated question id', { questions: withQuestion(1, { questionId: 'q-single' }) }, 'poll.duplicate-id', 'questions[1].questionId'],
    ['one option', { questions: withQuestion(0, { options: options('Pizza') }) }, 'poll.invalid-options', 'questions[0].options'],
    ['51 options', { questions: withQuestion(2, { options: options(...Array.from({ length: 51 }, (_, i) => `o${i}`)) }) },
      'poll.invalid-options', 'questions[2].options'],
    ['a choice question without options', { questions: withQuestion(1, { options: undefined }) },
      'poll.invalid-options', 'questions[1].options'],
    ['an empty option text', { questions: withQuestion(0, { options: options('Pizza', '') }) },
      'poll.invalid-option-text', 'questions[0].options[1].text'],
    ['the same option text twice (ignoring case and spaces)', { questions: withQuestion(1, { options: options('Mon', ' mon ') }) },
      'poll.duplicate-option-text', 'questions[1].options[1].text'],
    ['an option picture that is not an http(s) URL', { questions: withQuestion(0, { options: [
      { optionId: 'o-pizza', text: 'Pizza' }, { optionId: 'o-sushi', text: 'Sushi', imageUrl: 'javascript:alert(1)' }] }) },
      'poll.invalid-option-image', 'questions[0].options[1].imageUrl'],
    ['an option picture URL over 2,000 characters', { questions: withQuestion(0, { options: [
      { optionId: 'o-pizza', text: 'Pizza', imageUrl: `https://img.example.org/${'x'.repeat(2000)}` }, { optionId: 'o-sushi', text: 'Sushi' }] }) },
      'poll.invalid-option-image', 'questions[0].options[0].imageUrl'],
    ['an option id used in another question', { questions: withQuestion(2, { options: [
      { optionId: 'o-pizza', text: 'A' }, { optionId: 'o-b', text: 'B' }] }) }, 'poll.duplicate-id', 'questions[2].options[0].optionId'],
    ['maxChoices above the number of options', { questions: withQuestion(1, { maxChoices: 4 }) },
      'poll.invalid-max-choices', 'questions[1].maxChoices'],
    ['maxChoices 0', { questions: withQuestion(1, { maxChoices: 0 }) }, 'poll.invalid-max-choices', 'questions[1].maxChoices'],
    ['maxChoices on a single question', { questions: withQuestion(0, { maxChoices: 1 }) },
      'poll.invalid-max-choices', 'questions[0].maxChoices'],
    ['options on a rating question', { questions: withQuestion(3, { options: options('a', 'b') }) },
      'poll.invalid-options', 'questions[3].options'],
    ['a rating question without a scale', { questions: withQuestion(3, { scale: undefined }) }, 'poll.invalid-scale', 'questions[3].scale'],
    ['a scale with min = max', { questions: withQuestion(3, { scale: { min: 3, max: 3 } }) }, 'poll.invalid-scale', 'questions[3].scale'],
    ['a scale with min > max', { questions: withQuestion(3, { scale: { min: 5, max: 1 } }) }, 'poll.invalid-scale', 'questions[3].scale'],
    ['a non-integer scale', { questions: withQuestion(3, { scale: { min: 0.5, max: 5 } }) }, 'poll.invalid-scale', 'questions[3].scale'],
    ['a scale spanning more than 100', { questions: withQuestion(3, { scale: { min: 0, max: 101 } }) },
      'poll.invalid-scale', 'questions[3].scale'],
    ['a scale on a single question', { questions: withQuestion(0, { scale: { min: 1, max: 5 } }) },
      'poll.invalid-scale', 'questions[0].scale'],
    ['endsAt equal to startsAt', { settings: settingsInput({ startsAt: '2030-02-01T00:00:00Z', endsAt: '2030-02-01T00:00:00Z' }) },
      'poll.invalid-time-window', 'settings.endsAt'],
    ['endsAt before startsAt', { settings: settingsInput({ startsAt: '2030-02-02T00:00:00Z', endsAt: '2030-02-01T00:00:00Z' }) },
      'poll.invalid-time-window', 'settings.endsAt'],
    ['endsAt already past', { settings: settingsInput({ endsAt: '2029-12-31T00:00:00Z' }) }, 'poll.invalid-time-window', 'settings.endsAt'],
    ['a startsAt that is not a time', { settings: settingsInput({ startsAt: 'tomorrow' }) }, 'poll.invalid-time', 'settings.startsAt'],
    ['an unknown voter policy', { settings: settingsInput({ voterPolicy: 'anyone' as never }) },
      'poll.invalid-setting', 'settings.voterPolicy'],
    ['a negative fraud limit', { settings: settingsInput({ fraudVelocityLimit: -1 }) }, 'poll.invalid-setting', 'settings.fraudVelocityLimit'],
    ['a zero fraud window', { settings: settingsInput({ fraudVelocityWindowSeconds: 0 }) },
      'poll.invalid-setting', 'settings.fraudVelocityWindowSeconds'],
    ['an unknown answer to an unavailable fraud check', { settings: settingsInput({ fraudCheckUnavailable: 'queue' as never }) },
      'poll.invalid-setting', 'settings.fraudCheckUnavailable'],
    ['refusing unchecked ballots on a poll whose fraud check is off', { settings: settingsInput({ fraudVelocityLimit: 0, fraudCheckUnavailable: 'refuse' }) },
      'poll.invalid-setting', 'settings.fraudCheckUnavailable'],
    ['a maximum of 0 vote tokens', { settings: settingsInput({ voterPolicy: 'token', maxVoteTokens: 0 }) },
      'poll.invalid-setting', 'settings.maxVoteTokens'],
    ['a maximum of vote tokens above 10,000,000', { settings: settingsInput({ voterPolicy: 'token', maxVoteTokens: 10_000_001 }) },
      'poll.invalid-setting', 'settings.maxVoteTokens'],
    ['a fractional maximum of vote tokens', { settings: settingsInput({ voterPolicy: 'token', maxVoteTokens: 2.5 }) },
      'poll.invalid-setting', 'settings.maxVoteTokens'],
    ['a maximum of vote tokens on a poll without tokens', { settings: settingsInput({ maxVoteTokens: 100 }) },
      'poll.invalid-setting', 'settings.maxVoteTokens'],
  ];

  it.each(invalid)('rejects %s', (_name, patch, code, field) => {
    spec.given([]).when(create(patch)).thenThrows(ValidationError, code, field);
  });
});
