import { describe, expect, it } from 'vitest';
import { RESULTS } from '../../src/projections/index.ts';
import { InProcessLiveBus } from '../../src/projections/to-nats/in-process-live-bus.ts';
import { NatsLiveBus } from '../../src/projections/to-nats/nats-live-bus.ts';
import { createLiveInfrastructure } from '../../src/runtime/live.ts';
import { serviceUrls } from '../support/services.ts';
import { until } from './results-support.ts';

describe('createLiveInfrastructure', () => {
  it('embedded default (no NATS_URL, no REDIS_URL): in-process bus, no Redis, results still fan out', async () => {
    const live = await createLiveInfrastructure({});
    expect(live.bus).toBeInstanceOf(InProcessLiveBus);
    expect(live.redis).toBeUndefined();
    expect(live.resultsCache).toBeUndefined();
    expect(live.projections.find((p) => p.name === RESULTS)?.afterCommit).toBeTypeOf('function');
    expect(live.projections.filter((p) => p.afterCommit)).toHaveLength(1);
    await live.close();
  });

  it('full stack: NATS bus, Redis store and cache', async () => {
    const live = await createLiveInfrastructure({ NATS_URL: serviceUrls.nats, REDIS_URL: serviceUrls.redis }, { redisKeyPrefix: 'test:infra:' });
    expect(live.bus).toBeInstanceOf(NatsLiveBus);
    expect(live.redis?.status).toBe('ready');
    expect(await live.resultsCache?.get('no-such-poll')).toBeNull();
    await live.close();
    await until(() => live.redis?.status === 'end');
  });
});
