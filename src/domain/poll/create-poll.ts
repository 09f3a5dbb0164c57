import { requireId, requireText } from '../shared/validation.ts';
import { toIso } from '../shared/time.ts';
import type { CreatePoll } from './commands.ts';
import { POLL_LIMITS } from './definition.ts';
import { POLL_CODES as C, pollAlreadyExists, pollInvalid } from './errors.ts';
import type { PollCreated } from './events.ts';
import type { PollState } from './state.ts';
import { validateQuestions } from './validate-questions.ts';
import { validateSettings } from './validate-settings.ts';
import { validateCredentialKey } from './credential-key.ts';

/** Lower-case words joined by single dashes: safe in URLs and unambiguous to look up. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * CreatePoll → PollCreated with the whole, normalised definition (trimmed texts, canonical
 * times, defaults filled in), so that every reader of the log sees the same poll without
 * re-applying defaults of its own.
 */
export function createPoll(command: CreatePoll['data'], state: PollState): PollCreated[] {
  if (state.status !== 'none') throw pollAlreadyExists(command.pollId);
  const createdAt = toIso(command.now, 'now');
  const pollId = requireId(command.pollId, 'pollId');
  const organizerId = requireId(command.organizerId, 'organizerId');
  const slug = command.slug;
  if (typeof slug !== 'string' || slug.length > POLL_LIMITS.slugMaxLength || !SLUG.test(slug)) {
    throw pollInvalid(C.invalidSlug, 'slug', 'slug must be lower-case letters and digits joined by dashes');
  }
  const title = requireText(command.title, 'title', C.invalidTitle, POLL_LIMITS.titleMaxLength);
  const description = validateDescription(command.description);
  const questions = validateQuestions(command.questions);
  const settings = validateSettings(command.settings, createdAt);
  return [
    {
      type: 'PollCreated',
      data: {
        pollId, slug, organizerId, title, description, questions, settings, createdAt,
        ...(command.voterKeyId !== undefined ? { voterKeyId: requireId(command.voterKeyId, 'voterKeyId') } : {}),
        ...validateCredentialKey(command.credentialKey, settings.anonymity === 'blind'),
      },
    },
  ];
}

/** Optional; an empty or blank description is stored as null so readers have one "none". */
function validateDescription(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw pollInvalid(C.invalidDescription, 'description', 'description must be text');
  const text = value.trim();
  if (text.length === 0) return null;
  if (text.length > POLL_LIMITS.descriptionMaxLength) {
    throw pollInvalid(C.invalidDescription, 'description',
      `description must be at most ${POLL_LIMITS.descriptionMaxLength} characters`);
  }
  return text;
}
