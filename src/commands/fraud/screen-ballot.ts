import { hash } from 'node:crypto';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { PreconditionRequiredError, withoutStack } from '../../domain/shared/errors.ts';
import type { ChallengeIssuer } from './challenge/puzzle.ts';
import { detect, type Detection, withAccountAge } from './detect.ts';
import { type FraudSettings, limitsFor } from './settings.ts';
import type { VelocityCounter, VelocityInput, VelocityReading } from '../../adapters/velocity/velocity-counter.ts';

/** What the API knows about the client of a ballot; never stored as such (only the prefix is). */
export interface ScreeningFacts {
  ipPrefix: string;
  /** Keyed hash of the client's full address: voters per address are counted on `open` polls. */
  fingerprint: string;
  challenge?: string;
  /** When the voting account was created; read only if a flag is raised (a stream read is not free). */
  accountCreatedAt?: () => Promise<string | null>;
}

export type Screening =
  | { status: 'off' }
  /**
   * The counter did not answer in time (Redis down): the ballot goes in and the log says it was
   * not checked, unless its poll refuses unchecked ballots (src/commands/fraud/flag-on-cast.ts).
   */
  | { status: 'skipped'; error: unknown }
  /** `release`: call it when the store refuses the ballot as a duplicate, so that it does not count. */
  | { status: 'checked'; flag: Detection | null; release: () => Promise<void> };

export interface ScreenLogger {
  warn(object: object, message: string): void;
}

/** Without a stack trace: a flood's every request ends here. */
function challengeError(code: 'fraud.challenge-required' | 'fraud.challenge-used', why: string): PreconditionRequiredError {
  return withoutStack(() => new PreconditionRequiredError(code, `unusual ballot volume from this network: ${why}solve a proof-of-work challenge first: ${CHALLENGE_HOWTO}`, { field: 'challenge' }));
}

const CHALLENGE_HOWTO =
  'GET /api/challenge, find the number n with sha256(salt + n) = challenge, and send ' +
  'base64(JSON {algorithm, challenge, number, salt, signature}) as "challenge" in the ballot body';

/**
 * The fraud check of one ballot, between the decision and the append: a solved challenge is
 * verified in memory, then one counter call counts the voter and reads the prefix's challenge
 * mark. A marked prefix without a fresh solution gets 428 and nothing is counted or written.
 * The counter holds voters, not ballot ids: a hash of the voter key, so that a voter's repeats
 * are one entry and the counter never holds an account id.
 */
export class BallotScreen {
  readonly challenges: ChallengeIssuer;
  readonly #counter: VelocityCounter;
  readonly #settings: FraudSettings;
  readonly #logger: ScreenLogger | undefined;
  #lastWarning = 0;

  constructor(counter: VelocityCounter, challenges: ChallengeIssuer, settings: FraudSettings, logger?: ScreenLogger) {
    this.#counter = counter;
    this.challenges = challenges;
    this.#settings = settings;
    this.#logger = logger;
  }

  async screen(poll: PollDefinition, voterKey: string, facts: ScreeningFacts, now: Date): Promise<Screening> {
    const limits = limitsFor(poll.settings, this.#settings);
    if (limits.velocityLimit === 0) return { status: 'off' };
    const verified = facts.challenge === undefined ? undefined : await this.challenges.verify(facts.challenge, now);
    const input: VelocityInput = {
      pollId: poll.pollId,
      prefix: facts.ipPrefix,
      fingerprint: limits.fingerprintLimit > 0 ? facts.fingerprint : null,
      member: hash('sha256', voterKey).slice(0, 32),
      nowMs: now.getTime(),
      windowMs: limits.windowSeconds * 1000,
      limit: limits.velocityLimit,
      solution: verified?.ok ? { id: verified.id, expiresAtMs: verified.expiresAtMs } : null,
    };
    let reading: VelocityReading;
    try {
      reading = await this.#withTimeout(this.#counter.record(input));
    } catch (error) {
      this.#warn(error);
      return { status: 'skipped', error };
    }
    if (reading.kind !== 'counted') {
      const why = reading.kind === 'challenge-reused' ? 'that challenge solution was already used; ' : verified?.ok === false ? `${verified.problem}; ` : '';
      throw challengeError(reading.kind === 'challenge-reused' ? 'fraud.challenge-used' : 'fraud.challenge-required', why);
    }
    const release = () => this.#release(input);
    const found = detect({ ipPrefix: facts.ipPrefix, ...reading }, limits);
    if (found === null || facts.accountCreatedAt === undefined) return { status: 'checked', flag: found, release };
    const createdAt = await facts.accountCreatedAt().catch(() => null);
    const age = createdAt === null ? null : (now.getTime() - Date.parse(createdAt)) / 1000;
    return { status: 'checked', flag: withAccountAge(found, age, limits), release };
  }

  /**
   * A ballot without a solution from a network this node already knows to be marked on the poll
   * is refused at once (428, as `screen` would refuse it), before the ballot is even decided: a
   * flood from one network then costs little more than its HTTP requests. Nothing is counted or
   * written either way. Marks exist only where the poll's checks are on.
   */
  refuseKnownMarked(pollId: string, facts: Pick<ScreeningFacts, 'ipPrefix' | 'challenge'>, now: Date): void {
    if (facts.challenge === undefined && this.knowsMarked(pollId, facts.ipPrefix, now)) throw challengeError('fraud.challenge-required', '');
  }

  /** Whether this node knows the network to be marked (challenged) on the poll, without asking Redis. */
  knowsMarked(pollId: string, ipPrefix: string, now: Date): boolean {
    return this.#counter.knowsMarked(pollId, ipPrefix, now.getTime());
  }

  /** Never fails the refusal it follows: an unreleased voter only over-counts for one window. */
  async #release(input: VelocityInput): Promise<void> {
    try {
      await this.#withTimeout(this.#counter.release(input));
    } catch (error) {
      this.#warn(error, 'velocity release failed: a refused duplicate stays counted for one window');
    }
  }

  async #withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`velocity check took over ${this.#settings.checkTimeoutMs} ms`)), this.#settings.checkTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** At most one warning per minute: with Redis down every ballot would log otherwise. */
  #warn(error: unknown, message = 'velocity check skipped: the counter did not answer; ballots are accepted unchecked, or refused (503) on polls with fraudCheckUnavailable "refuse"'): void {
    const now = Date.now();
    if (now - this.#lastWarning < 60_000) return;
    this.#lastWarning = now;
    this.#logger?.warn({ err: error }, message);
  }
}
