import { randomUUID } from 'node:crypto';
import type { Actor } from '../../src/commands/polls/authorize.ts';
import type { AnswerInput } from '../../src/domain/ballot/answers.ts';
import type { PollDefinition } from '../../src/domain/poll/definition.ts';
import { PollsterError } from '../../src/domain/shared/errors.ts';

/** Commands called directly, as the API calls them: an organizer who may create polls, and a fresh context per command. */
export const organizer: Actor = { kind: 'user', userId: randomUUID(), roles: ['voter', 'organizer'] };
export const context = () => ({ actor: 'user:test', correlationId: randomUUID() });

/** What a command came to: 'ok', or the stable code of the domain error it was refused with (anything else is rethrown). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof PollsterError) return error.code;
    throw error;
  }
}

/** An answer to the first question of a poll made with one single-choice question: its option `option`. */
export function answersFor(poll: PollDefinition, option = 0): AnswerInput[] {
  const question = poll.questions[0]!;
  if (question.kind !== 'single') throw new Error('fixture');
  return [{ questionId: question.questionId, optionIds: [question.options[option]!.optionId] }];
}
