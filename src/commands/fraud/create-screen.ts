import type { Redis } from 'ioredis';
import { ChallengeIssuer } from './challenge/puzzle.ts';
import { InProcessVelocityCounter } from '../../adapters/velocity/in-process-velocity-counter.ts';
import { RedisVelocityCounter } from '../../adapters/velocity/redis-velocity-counter.ts';
import { BallotScreen, type ScreenLogger } from './screen-ballot.ts';
import type { FraudSettings } from './settings.ts';

export interface FraudOptions {
  settings: FraudSettings;
  /** REDIS_URL's client: counts shared by every API node. Absent (embedded mode): counted in this process. */
  redis?: Redis;
  /** Prefix of the counter's Redis keys (tests; a deployment sharing a Redis). */
  redisKeyPrefix?: string;
  logger?: ScreenLogger;
}

/** The ballot screen with the counter the deployment has; `challengeKey` is shared by every node (secrets table). */
export function createBallotScreen(options: FraudOptions, challengeKey: string): BallotScreen {
  const counter = options.redis ? new RedisVelocityCounter(options.redis, options.redisKeyPrefix) : new InProcessVelocityCounter();
  const challenges = new ChallengeIssuer(challengeKey, {
    maxNumber: options.settings.challengeMaxNumber,
    ttlSeconds: options.settings.challengeTtlSeconds,
  });
  return new BallotScreen(counter, challenges, options.settings, options.logger);
}
