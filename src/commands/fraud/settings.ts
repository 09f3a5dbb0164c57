import type { Config } from '../../config.ts';
import type { PollSettings, VoterPolicy } from '../../domain/poll/definition.ts';

/**
 * Server-wide fraud knobs (README, configuration). The velocity limit and window are the defaults
 * of API.md (FRAUD_VELOCITY_*); a poll may override both, and a limit of 0 turns every check of
 * that poll off (no counter round trip, no challenge), which is what load tests rely on.
 */
export interface FraudSettings {
  /** Distinct voters per poll per IP prefix in the window; more are flagged `velocity` and challenged. 0 = off. */
  velocityLimit: number;
  velocityWindowSeconds: number;
  /** Distinct voters per poll from one client address in the same window, on `open` polls; more are flagged `fingerprint`. 0 = off. */
  fingerprintLimit: number;
  /** An account younger than this when it votes adds `new-account` to a flag raised for another reason. 0 = off. */
  newAccountSeconds: number;
  /** Puzzle size: the client tries up to this many numbers (about half on average). */
  challengeMaxNumber: number;
  challengeTtlSeconds: number;
  /** The counter's answer is awaited this long; past it the ballot is accepted and the check recorded as skipped. */
  checkTimeoutMs: number;
}

export const DEFAULT_FRAUD_SETTINGS: FraudSettings = {
  velocityLimit: 50,
  velocityWindowSeconds: 600,
  fingerprintLimit: 10,
  newAccountSeconds: 600,
  challengeMaxNumber: 100_000,
  challengeTtlSeconds: 300,
  checkTimeoutMs: 250,
};

export function fraudSettingsFrom(config: Config): FraudSettings {
  return {
    velocityLimit: config.FRAUD_VELOCITY_LIMIT,
    velocityWindowSeconds: config.FRAUD_VELOCITY_WINDOW_SECONDS,
    fingerprintLimit: config.FRAUD_FINGERPRINT_LIMIT,
    newAccountSeconds: config.FRAUD_NEW_ACCOUNT_SECONDS,
    challengeMaxNumber: config.FRAUD_CHALLENGE_MAX_NUMBER,
    challengeTtlSeconds: config.FRAUD_CHALLENGE_TTL_SECONDS,
    checkTimeoutMs: config.FRAUD_CHECK_TIMEOUT_MS,
  };
}

export interface PollLimits {
  velocityLimit: number;
  windowSeconds: number;
  /** 0 where the poll's voter policy does not use the signal. */
  fingerprintLimit: number;
  newAccountSeconds: number;
}

/**
 * Whether a poll's ballots are screened per client address (`fingerprint`) on top of the network
 * (`velocity`, every policy). Where a credential names the voter (account, verified, token) the
 * store already allows one ballot per credential, and many credentials behind one address is
 * what a room on a NAT looks like: the address would flag a crowd, not a person. On `open`
 * polls the address (with the user agent) IS the voter, so many voters from one address are a
 * host minting voters by changing its user agent.
 */
export function countsClientAddress(policy: VoterPolicy): boolean {
  return policy === 'open';
}

type ScreenedSettings = Pick<PollSettings, 'voterPolicy' | 'fraudVelocityLimit' | 'fraudVelocityWindowSeconds'>;

/** The limits one poll runs with: its own overrides, else the server's, weighed by its voter policy. */
export function limitsFor(poll: ScreenedSettings, settings: FraudSettings): PollLimits {
  return {
    velocityLimit: poll.fraudVelocityLimit ?? settings.velocityLimit,
    windowSeconds: poll.fraudVelocityWindowSeconds ?? settings.velocityWindowSeconds,
    fingerprintLimit: countsClientAddress(poll.voterPolicy) ? settings.fingerprintLimit : 0,
    newAccountSeconds: settings.newAccountSeconds,
  };
}
