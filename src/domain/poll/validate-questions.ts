import { assertNever } from '../shared/decider.ts';
import { httpUrl, isSafeInteger, requireId, requireOneOf, requireText } from '../shared/validation.ts';
import type { QuestionInput } from './commands.ts';
import { POLL_LIMITS, QUESTION_KINDS, type OptionDefinition, type QuestionDefinition } from './definition.ts';
import { POLL_CODES as C, pollInvalid } from './errors.ts';

/** Checked in order, so the first fault reported is the first one a user would see in the form. */
export function validateQuestions(input: unknown): QuestionDefinition[] {
  if (!Array.isArray(input) || input.length < POLL_LIMITS.minQuestions || input.length > POLL_LIMITS.maxQuestions) {
    throw pollInvalid(C.invalidQuestions, 'questions',
      `a poll has ${POLL_LIMITS.minQuestions} to ${POLL_LIMITS.maxQuestions} questions`);
  }
  const questionIds = new Set<string>();
  // Option ids are unique across the whole poll so that results and ballots can name an option alone.
  const optionIds = new Set<string>();
  return (input as QuestionInput[]).map((question, i) => {
    const path = `questions[${i}]`;
    if (question === null || typeof question !== 'object') {
      throw pollInvalid(C.invalidQuestions, path, 'a question is an object');
    }
    const questionId = requireId(question.questionId, `${path}.questionId`);
    if (questionIds.has(questionId)) {
      throw pollInvalid(C.duplicateId, `${path}.questionId`, `question id ${questionId} is used twice`);
    }
    questionIds.add(questionId);
    return validateQuestion(question, path, optionIds);
  });
}

function validateQuestion(q: QuestionInput, path: string, optionIds: Set<string>): QuestionDefinition {
  const text = requireText(q.text, `${path}.text`, C.invalidQuestionText, POLL_LIMITS.questionTextMaxLength);
  const kind = requireOneOf(q.kind, QUESTION_KINDS, `${path}.kind`, C.invalidKind);
  const base = { questionId: q.questionId, text };
  if (kind !== 'multiple' && q.maxChoices !== undefined && q.maxChoices !== null) {
    throw pollInvalid(C.invalidMaxChoices, `${path}.maxChoices`, 'maxChoices applies to multiple-choice questions only');
  }
  if (kind !== 'rating' && q.scale !== undefined && q.scale !== null) {
    throw pollInvalid(C.invalidScale, `${path}.scale`, 'a scale applies to rating questions only');
  }
  switch (kind) {
    case 'single':
    case 'ranked':
      return { ...base, kind, options: validateOptions(q.options, path, optionIds) };
    case 'multiple': {
      const options = validateOptions(q.options, path, optionIds);
      const maxChoices = q.maxChoices ?? options.length;
      if (!isSafeInteger(maxChoices) || maxChoices < 1 || maxChoices > options.length) {
        throw pollInvalid(C.invalidMaxChoices, `${path}.maxChoices`,
          `maxChoices must be an integer from 1 to ${options.length}`);
      }
      return { ...base, kind, maxChoices, options };
    }
    case 'rating':
      // An empty list is tolerated: clients that always send `options` mean "none".
      if (q.options !== undefined && q.options !== null && q.options.length > 0) {
        throw pollInvalid(C.invalidOptions, `${path}.options`, 'rating questions have a scale, not options');
      }
      return { ...base, kind, scale: validateScale(q.scale, path) };
    default:
      return assertNever(kind, 'question kind');
  }
}

function validateOptions(input: QuestionInput['options'], path: string, optionIds: Set<string>): OptionDefinition[] {
  if (!Array.isArray(input) || input.length < POLL_LIMITS.minOptions || input.length > POLL_LIMITS.maxOptions) {
    throw pollInvalid(C.invalidOptions, `${path}.options`,
      `a question has ${POLL_LIMITS.minOptions} to ${POLL_LIMITS.maxOptions} options`);
  }
  // Texts are compared case- and space-insensitively: "Pizza" and " pizza" would split the vote.
  const texts = new Set<string>();
  return input.map((option, j) => {
    const at = `${path}.options[${j}]`;
    if (option === null || typeof option !== 'object') throw pollInvalid(C.invalidOptions, at, 'an option is an object');
    const optionId = requireId(option.optionId, `${at}.optionId`);
    if (optionIds.has(optionId)) {
      throw pollInvalid(C.duplicateId, `${at}.optionId`, `option id ${optionId} is used twice`);
    }
    optionIds.add(optionId);
    const text = requireText(option.text, `${at}.text`, C.invalidOptionText, POLL_LIMITS.optionTextMaxLength);
    const key = text.toLowerCase().replace(/\s+/g, ' ');
    if (texts.has(key)) {
      throw pollInvalid(C.duplicateOptionText, `${at}.text`, `option "${text}" appears twice in this question`);
    }
    texts.add(key);
    if (option.imageUrl === undefined || option.imageUrl === null) return { optionId, text };
    const imageUrl = httpUrl(option.imageUrl);
    if (imageUrl === undefined) throw pollInvalid(C.invalidOptionImage, `${at}.imageUrl`, `${at}.imageUrl must be an http:// or https:// URL`);
    return { optionId, text, imageUrl };
  });
}

function validateScale(scale: QuestionInput['scale'], path: string): { min: number; max: number } {
  const field = `${path}.scale`;
  if (scale === undefined || scale === null || !isSafeInteger(scale.min) || !isSafeInteger(scale.max)) {
    throw pollInvalid(C.invalidScale, field, 'a rating question needs an integer scale {min, max}');
  }
  if (scale.min >= scale.max || scale.max - scale.min > POLL_LIMITS.maxScaleSpan) {
    throw pollInvalid(C.invalidScale, field,
      `the scale needs min < max and a span of at most ${POLL_LIMITS.maxScaleSpan}`);
  }
  return { min: scale.min, max: scale.max };
}
