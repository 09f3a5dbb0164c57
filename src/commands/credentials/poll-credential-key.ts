import type { PollSettingsInput } from '../../domain/poll/commands.ts';
import type { CredentialKey } from '../../domain/poll/credential-key.ts';
import { validateSettings } from '../../domain/poll/validate-settings.ts';
import { toIso } from '../../domain/shared/time.ts';
import type { CommandDeps } from '../command-deps.ts';

/**
 * A blind poll's key pair, made before its PollCreated (which records the public half). The
 * settings are judged first, so a refused poll leaves no key behind; a retried CreatePoll (same
 * poll id) finds the key it made the first time.
 */
export async function credentialKeyFor(deps: CommandDeps, pollId: string, settings: PollSettingsInput, now: Date): Promise<CredentialKey | undefined> {
  if (settings.anonymity !== 'blind') return undefined;
  if (validateSettings(settings, toIso(now, 'now')).anonymity !== 'blind') return undefined;
  if (!deps.credentialKeys) throw new Error('this process cannot create blind polls: it has no credential key store');
  return deps.credentialKeys.create(pollId, deps.voterKeyId);
}
