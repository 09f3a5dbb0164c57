import { assertMayReadAnalytics, requireAccount } from '../../read-rules.ts';
import type { GraphqlContext } from '../context.ts';
import type { PollNode } from './polls.ts';

const counts = (record: Record<string, number>) => Object.entries(record).map(([key, ballots]) => ({ key, ballots }));

export const pollAnalyticsField = {
  /** getAnalytics: the same rule and the same read model. */
  async analytics(poll: PollNode, { bucket }: { bucket: 'minute' | 'hour' }, context: GraphqlContext) {
    assertMayReadAnalytics(await context.queries.poll(poll.pollId), requireAccount(await context.caller()), poll.pollId);
    const view = await context.queries.analytics(poll.pollId, bucket);
    return { ...view, granularity: bucket, devices: counts(view.devices), countries: counts(view.countries) };
  },
};
