import { describe, it } from 'vitest';
import { ballotCast, castBallot } from '../../testing/ballot-fixtures.ts';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { ValidationError } from '../shared/errors.ts';
import type { AnswerInput } from './answers.ts';
import { ballotDecider } from './decider.ts';

const spec = deciderSpec(ballotDecider);
const castWith = (...answers: AnswerInput[]) => castBallot({ answers });

describe('answer validation', () => {
  it('accepts a ballot answering only some questions', () => {
    const partial = [{ questionId: 'q-rating', rating: 1 }];
    spec.given([]).when(castWith(...partial)).then([ballotCast({ answers: partial })]);
  });

  it('accepts a full ranking and the maximum number of choices', () => {
    const full = [
      { questionId: 'q-ranked', ranking: ['o-b', 'o-c', 'o-a'] },
      { questionId: 'q-multi', optionIds: ['o-tue', 'o-mon'] },
    ];
    spec.given([]).when(castWith(...full)).then([ballotCast({ answers: full })]);
  });

  it('keeps only the field the kind uses', () => {
    const loose = { questionId: 'q-rating', rating: 5, comment: 'x' } as AnswerInput;
    spec.given([]).when(castWith(loose)).then([ballotCast({ answers: [{ questionId: 'q-rating', rating: 5 }] })]);
  });

  const invalid: [string, AnswerInput[], string, string][] = [
    ['no answers', [], 'ballot.no-answers', 'answers'],
    ['an unknown question', [{ questionId: 'q-nope', optionIds: ['o-pizza'] }], 'ballot.unknown-question', 'answers[0].questionId'],
    ['two answers to one question', [
      { questionId: 'q-single', optionIds: ['o-pizza'] }, { questionId: 'q-single', optionIds: ['o-sushi'] }],
      'ballot.duplicate-answer', 'answers[1].questionId'],
    ['single: no option', [{ questionId: 'q-single', optionIds: [] }], 'ballot.invalid-choice-count', 'answers[0].optionIds'],
    ['single: two options', [{ questionId: 'q-single', optionIds: ['o-pizza', 'o-sushi'] }],
      'ballot.invalid-choice-count', 'answers[0].optionIds'],
    ['single: an option of another question', [{ questionId: 'q-single', optionIds: ['o-mon'] }],
      'ballot.unknown-option', 'answers[0].optionIds[0]'],
    ['single: answered with a rating', [{ questionId: 'q-single', rating: 1 }], 'ballot.answer-shape', 'answers[0].optionIds'],
    ['single: optionIds plus a ranking', [{ questionId: 'q-single', optionIds: ['o-pizza'], ranking: ['o-pizza'] }],
      'ballot.answer-shape', 'answers[0].ranking'],
    ['multiple: more than maxChoices', [{ questionId: 'q-multi', optionIds: ['o-mon', 'o-tue', 'o-wed'] }],
      'ballot.invalid-choice-count', 'answers[0].optionIds'],
    ['multiple: none', [{ questionId: 'q-multi', optionIds: [] }], 'ballot.invalid-choice-count', 'answers[0].optionIds'],
    ['multiple: the same option twice', [{ questionId: 'q-multi', optionIds: ['o-mon', 'o-mon'] }],
      'ballot.duplicate-option', 'answers[0].optionIds[1]'],
    ['multiple: an unknown option', [{ questionId: 'q-multi', optionIds: ['o-mon', 'o-sun'] }],
      'ballot.unknown-option', 'answers[0].optionIds[1]'],
    ['ranked: an empty ranking', [{ questionId: 'q-ranked', ranking: [] }], 'ballot.invalid-ranking', 'answers[0].ranking'],
    ['ranked: an option ranked twice', [{ questionId: 'q-ranked', ranking: ['o-a', 'o-b', 'o-a'] }],
      'ballot.duplicate-option', 'answers[0].ranking[2]'],
    ['ranked: an unknown option', [{ questionId: 'q-ranked', ranking: ['o-z'] }], 'ballot.unknown-option', 'answers[0].ranking[0]'],
    ['ranked: answered with optionIds', [{ questionId: 'q-ranked', optionIds: ['o-a'] }], 'ballot.answer-shape', 'answers[0].ranking'],
    ['rating: below the scale', [{ questionId: 'q-rating', rating: 0 }], 'ballot.rating-out-of-range', 'answers[0].rating'],
    ['rating: above the scale', [{ questionId: 'q-rating', rating: 6 }], 'ballot.rating-out-of-range', 'answers[0].rating'],
    ['rating: not a whole number', [{ questionId: 'q-rating', rating: 3.5 }], 'ballot.invalid-rating', 'answers[0].rating'],
    ['rating: answered with optionIds', [{ questionId: 'q-rating', optionIds: ['o-a'] }], 'ballot.answer-shape', 'answers[0].rating'],
  ];

  it.each(invalid)('rejects %s', (_name, answers, code, field) => {
    spec.given([]).when(castWith(...answers)).thenThrows(ValidationError, code, field);
  });

  it('names the position of the faulty answer', () => {
    spec.given([]).when(castWith({ questionId: 'q-single', optionIds: ['o-pizza'] }, { questionId: 'q-rating', rating: 9 }))
      .thenThrows(ValidationError, 'ballot.rating-out-of-range', 'answers[1].rating');
  });
});
