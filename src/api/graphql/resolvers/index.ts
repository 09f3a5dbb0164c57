import { pollAnalyticsField } from './analytics.ts';
import { pollAuditField } from './audit.ts';
import { pollFields, pollQueries } from './polls.ts';
import { reviewQueries } from './review.ts';
import { pollResultsField, resultsSubscription, resultsTypes } from './results.ts';
import { JSONScalar, PositionScalar } from './scalars.ts';

/** Every resolver of schema.graphql: each reads through `app.queries` and asks read-rules.ts first. */
export const resolvers = {
  JSON: JSONScalar,
  Position: PositionScalar,
  Query: { ...pollQueries, ...reviewQueries },
  Subscription: resultsSubscription,
  Poll: { ...pollFields, ...pollResultsField, ...pollAnalyticsField, ...pollAuditField },
  ...resultsTypes,
};
