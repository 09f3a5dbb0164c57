import { createHmac, type KeyObject } from 'node:crypto';
import { nationalIdDecider } from '../../domain/national-id/decider.ts';
import { nationalIdTaken } from '../../domain/national-id/errors.ts';
import { nationalIdStream, userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { alreadyVerified, userNotFound } from '../../domain/user/errors.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { normaliseNationalId } from '../../adapters/national-registry/port.ts';
import type { AccountDeps } from './account-deps.ts';

/** A national id the registry vouched for: its keyed hash (all the log ever sees) and the name. */
export interface VerifiedIdentity {
  nationalIdHash: string;
  fullName: string;
}

/** HMAC, not a plain hash: national ids are few enough to enumerate, so only the key holder can link them. */
const hashNationalId = (identityKey: KeyObject, normalisedId: string): string =>
  createHmac('sha256', identityKey).update(normalisedId).digest('hex');

/** 422 bad id or not eligible, 404 unknown to the registry, 503 registry unavailable. */
export async function lookUpIdentity(deps: AccountDeps, rawNationalId: string): Promise<VerifiedIdentity> {
  const nationalId = normaliseNationalId(rawNationalId);
  const person = await deps.registry.lookup(nationalId);
  return { nationalIdHash: hashNationalId(deps.identityKey, nationalId), fullName: person.fullName };
}

/** 409 `national-id.taken` when another account holds the id: the cheap early answer (the claim decides). */
export async function requireUnclaimed(deps: AccountDeps, identity: VerifiedIdentity, userId: string): Promise<void> {
  const { state } = await aggregateStream(deps.store, nationalIdDecider, nationalIdStream(identity.nationalIdHash));
  if (state.status === 'claimed' && state.userId !== userId) throw nationalIdTaken();
}

/**
 * Links a verified national id to an account: claim `nationalid-<hmac>` first (no_stream: one id,
 * one account, decided by the store), then NationalIdVerified on the user stream. A crash in
 * between leaves a claim that the same account completes by verifying again.
 */
export async function linkNationalId(
  deps: AccountDeps,
  userId: string,
  identity: VerifiedIdentity,
  context: CommandContext,
): Promise<void> {
  // Checked before claiming, or a verified account would also claim (and block) a second id.
  const { state: user } = await aggregateStream(deps.store, userDecider, userStream(userId));
  if (user.status === 'none') throw userNotFound(userId);
  if (user.nationalIdHash !== null && user.nationalIdHash !== identity.nationalIdHash) throw alreadyVerified(userId);

  const now = deps.now();
  const claimStream = nationalIdStream(identity.nationalIdHash);
  await handleCommand(
    deps.store,
    nationalIdDecider,
    claimStream,
    { type: 'ClaimNationalId', data: { nationalIdHash: identity.nationalIdHash, userId, now } },
    forStream(context, claimStream),
  );
  const stream = userStream(userId);
  await handleCommand(
    deps.store,
    userDecider,
    stream,
    { type: 'VerifyNationalId', data: { userId, ...identity, now } },
    forStream(context, stream),
  );
}

/**
 * One request may write several streams; event ids derive from the command id, so each stream
 * gets its own derived command id (otherwise the second stream's events would reuse the ids).
 */
export function forStream(context: CommandContext, stream: string): CommandContext {
  return context.commandId ? { ...context, commandId: `${context.commandId}:${stream}` } : context;
}
