import { httpUrl, isSafeInteger, requireOneOf } from '../shared/validation.ts';
import { toIso, toMillis } from '../shared/time.ts';
import type { PollSettingsInput } from './commands.ts';
import { FRAUD_CHECK_UNAVAILABLE, POLL_LIMITS, VISIBILITIES, VOTER_POLICIES, type FraudCheckUnavailable, type PollSettings } from './definition.ts';
import { POLL_CODES as C, pollInvalid } from './errors.ts';
import { validateAnonymity } from './credential-key.ts';

/**
 * Validates and normalises the settings of CreatePoll: times become canonical ISO strings,
 * absent fraud overrides become null (meaning "use the server default"), an absent
 * fraudCheckUnavailable becomes `accept`.
 */
export function validateSettings(input: PollSettingsInput | undefined, nowIso: string): PollSettings {
  if (input === undefined || input === null || typeof input !== 'object') {
    throw pollInvalid(C.invalidSetting, 'settings', 'settings are required');
  }
  const startsAt = optionalTime(input.startsAt, 'settings.startsAt');
  const endsAt = optionalTime(input.endsAt, 'settings.endsAt');
  if (endsAt !== null) {
    if (startsAt !== null && toMillis(endsAt) <= toMillis(startsAt)) {
      throw pollInvalid(C.invalidTimeWindow, 'settings.endsAt', 'endsAt must be after startsAt');
    }
    // A poll that has already ended could never take a ballot: almost surely a typo in the date.
    if (toMillis(endsAt) <= toMillis(nowIso)) {
      throw pollInvalid(C.invalidTimeWindow, 'settings.endsAt', 'endsAt must be in the future');
    }
  }
  const settings = {
    voterPolicy: requireOneOf(input.voterPolicy, VOTER_POLICIES, 'settings.voterPolicy', C.invalidSetting),
    anonymous: requireBoolean(input.anonymous, 'settings.anonymous'),
    allowChangeVote: requireBoolean(input.allowChangeVote, 'settings.allowChangeVote'),
    visibility: requireOneOf(input.visibility, VISIBILITIES, 'settings.visibility', C.invalidSetting),
    showResultsBeforeClose: requireBoolean(input.showResultsBeforeClose, 'settings.showResultsBeforeClose'),
    startsAt,
    endsAt,
    // 0 is meaningful (detection off for this poll), so only null/absent falls back to the default.
    fraudVelocityLimit: optionalInteger(input.fraudVelocityLimit, 0, 'settings.fraudVelocityLimit'),
    fraudVelocityWindowSeconds: optionalInteger(input.fraudVelocityWindowSeconds, 1, 'settings.fraudVelocityWindowSeconds'),
  };
  return {
    ...settings,
    fraudCheckUnavailable: fraudCheckUnavailable(input.fraudCheckUnavailable, settings.fraudVelocityLimit),
    ...optionalWebhookUrl(input.milestoneWebhookUrl),
    ...validateAnonymity(input),
    ...optionalMaxVoteTokens(input.maxVoteTokens, settings.voterPolicy),
  };
}

/** Absent when unset, like the webhook URL; only token polls issue tokens, so only they may bound them. */
function optionalMaxVoteTokens(value: number | null | undefined, voterPolicy: PollSettings['voterPolicy']): { maxVoteTokens?: number } {
  if (value === null || value === undefined) return {};
  const field = 'settings.maxVoteTokens';
  if (voterPolicy !== 'token') throw pollInvalid(C.invalidSetting, field, `${field} applies to polls with voterPolicy "token" only`);
  if (!isSafeInteger(value) || value < 1 || value > POLL_LIMITS.maxVoteTokens) {
    throw pollInvalid(C.invalidSetting, field, `${field} must be an integer from 1 to ${POLL_LIMITS.maxVoteTokens}`);
  }
  return { maxVoteTokens: value };
}

/**
 * Stored even when defaulted, so the poll's behaviour is read from its own definition. `refuse`
 * with the poll's checks turned off (limit 0) could never refuse anything: the organizer meant
 * one of the two, and must say which.
 */
function fraudCheckUnavailable(value: FraudCheckUnavailable | null | undefined, velocityLimit: number | null): FraudCheckUnavailable {
  const field = 'settings.fraudCheckUnavailable';
  const chosen = value === null || value === undefined ? 'accept' : requireOneOf(value, FRAUD_CHECK_UNAVAILABLE, field, C.invalidSetting);
  if (chosen === 'refuse' && velocityLimit === 0) {
    throw pollInvalid(C.invalidSetting, field, `${field} "refuse" needs the fraud check, which fraudVelocityLimit 0 turns off`);
  }
  return chosen;
}

/**
 * Absent (not null) when unset, so definitions without it read the same as those created before
 * the setting existed. http(s) only: the worker POSTs to it and any other scheme is a mistake.
 */
function optionalWebhookUrl(value: string | null | undefined): { milestoneWebhookUrl?: string } {
  if (value === null || value === undefined) return {};
  const field = 'settings.milestoneWebhookUrl';
  const url = httpUrl(value);
  if (url === undefined) throw pollInvalid(C.invalidSetting, field, `${field} must be an http:// or https:// URL`);
  return { milestoneWebhookUrl: url };
}

function optionalTime(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  return toIso(value, field, C.invalidTime);
}

function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw pollInvalid(C.invalidSetting, field, `${field} must be true or false`);
  return value;
}

function optionalInteger(value: number | null | undefined, min: number, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!isSafeInteger(value) || value < min) {
    throw pollInvalid(C.invalidSetting, field, `${field} must be an integer of at least ${min}`);
  }
  return value;
}
