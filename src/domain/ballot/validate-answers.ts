import { assertNever } from '../shared/decider.ts';
import { ValidationError } from '../shared/errors.ts';
import { isSafeInteger } from '../shared/validation.ts';
import type { OptionDefinition, QuestionDefinition } from '../poll/definition.ts';
import type { Answer, AnswerInput } from './answers.ts';
import { BALLOT_CODES as C } from './errors.ts';

/**
 * Every fault names its field, e.g. `answers[0].optionIds[1]`, so the client can point at it. Not
 * every question must be answered, but at least one must.
 */
export function validateAnswers(input: unknown, questions: readonly QuestionDefinition[]): Answer[] {
  if (!Array.isArray(input) || input.length === 0) {
    throw invalid(C.noAnswers, 'answers', 'a ballot needs at least one answer');
  }
  const byId = new Map(questions.map((q) => [q.questionId, q]));
  const answered = new Set<string>();
  return (input as AnswerInput[]).map((answer, i) => {
    const path = `answers[${i}]`;
    const question = typeof answer?.questionId === 'string' ? byId.get(answer.questionId) : undefined;
    if (question === undefined) {
      throw invalid(C.unknownQuestion, `${path}.questionId`, 'the answer names no question of this poll');
    }
    if (answered.has(question.questionId)) {
      throw invalid(C.duplicateAnswer, `${path}.questionId`, 'a question is answered at most once');
    }
    answered.add(question.questionId);
    return validateAnswer(answer, question, path);
  });
}

function validateAnswer(answer: AnswerInput, question: QuestionDefinition, path: string): Answer {
  const { questionId } = question;
  switch (question.kind) {
    case 'single':
    case 'multiple': {
      requireShape(answer, 'optionIds', path);
      const optionIds = uniqueKnownOptions(answer.optionIds, question.options, `${path}.optionIds`);
      const max = question.kind === 'single' ? 1 : question.maxChoices;
      if (optionIds.length < 1 || optionIds.length > max) {
        const expected = question.kind === 'single' ? 'exactly 1 option' : `1 to ${max} options`;
        throw invalid(C.invalidChoiceCount, `${path}.optionIds`, `choose ${expected}`);
      }
      return { questionId, optionIds };
    }
    case 'ranked': {
      requireShape(answer, 'ranking', path);
      const ranking = uniqueKnownOptions(answer.ranking, question.options, `${path}.ranking`);
      // A partial ranking is allowed (instant-runoff treats it as exhausted later), an empty one is not.
      if (ranking.length === 0) throw invalid(C.invalidRanking, `${path}.ranking`, 'rank at least one option');
      return { questionId, ranking };
    }
    case 'rating': {
      requireShape(answer, 'rating', path);
      const { rating } = answer;
      if (!isSafeInteger(rating)) throw invalid(C.invalidRating, `${path}.rating`, 'a rating is a whole number');
      const { min, max } = question.scale;
      if (rating < min || rating > max) {
        throw invalid(C.ratingOutOfRange, `${path}.rating`, `a rating is from ${min} to ${max}`);
      }
      return { questionId, rating };
    }
    default:
      return assertNever(question, 'question kind');
  }
}

type ShapeField = 'optionIds' | 'ranking' | 'rating';
const SHAPE_FIELDS: readonly ShapeField[] = ['optionIds', 'ranking', 'rating'];

/** The answer must carry the field its kind uses and none of the others: a mixed shape is a client bug. */
function requireShape(answer: AnswerInput, expected: ShapeField, path: string): void {
  if (answer[expected] === undefined || answer[expected] === null) {
    throw invalid(C.answerShape, `${path}.${expected}`, `this question is answered with ${expected}`);
  }
  for (const other of SHAPE_FIELDS) {
    if (other !== expected && answer[other] !== undefined && answer[other] !== null) {
      throw invalid(C.answerShape, `${path}.${other}`, `this question is answered with ${expected}, not ${other}`);
    }
  }
}

function uniqueKnownOptions(ids: unknown, options: readonly OptionDefinition[], field: string): string[] {
  if (!Array.isArray(ids)) throw invalid(C.answerShape, field, 'a list of option ids is expected');
  const known = new Set(options.map((o) => o.optionId));
  const seen = new Set<string>();
  return ids.map((id: unknown, j) => {
    if (typeof id !== 'string' || !known.has(id)) {
      throw invalid(C.unknownOption, `${field}[${j}]`, 'not an option of this question');
    }
    if (seen.has(id)) throw invalid(C.duplicateOption, `${field}[${j}]`, 'an option is chosen at most once');
    seen.add(id);
    return id;
  });
}

function invalid(code: string, field: string, message: string): ValidationError {
  return new ValidationError(code, message, { field });
}
