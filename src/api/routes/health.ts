import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** A named probe of one store the process depends on; it throws when the store does not answer. */
export type HealthCheck = () => Promise<void>;

/**
 * What readiness means: `required` stores are those without which this node cannot do its job
 * (PostgreSQL: the log and the read models), so it is unready while any is down; `degraded`
 * ones have a fallback (Redis: the fraud check is skipped and results come from PostgreSQL;
 * NATS: viewers are resynced from the read model) and are reported, never made unready, so a
 * load balancer keeps the node during their outage.
 */
export interface HealthChecks {
  required: Record<string, HealthCheck>;
  degraded?: Record<string, HealthCheck>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function probe(check: HealthCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return `down: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

async function probeAll(checks: Record<string, HealthCheck>): Promise<Record<string, string>> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => probe(checks[name]!)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]!]));
}

const Report = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not ready')], {
    description: '`degraded`: ready, with a store that has a fallback down (listed in `checks`)',
  }),
  checks: Type.Record(Type.String(), Type.String()),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ checks: HealthChecks }> = async (app, { checks }) => {
  app.get(
    '/health/live',
    { schema: { tags: ['operations'], operationId: 'live', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['operations'],
        operationId: 'ready',
        description: '200 while every required store (PostgreSQL) answers, `degraded` when Redis or NATS does not; 503 otherwise.',
        response: { 200: Report, 503: Report },
      },
    },
    async (_request, reply) => {
      const [required, degraded] = await Promise.all([probeAll(checks.required), probeAll(checks.degraded ?? {})]);
      const ready = Object.values(required).every((r) => r === 'ok');
      const whole = Object.values(degraded).every((r) => r === 'ok');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: !ready ? 'not ready' : whole ? 'ready' : 'degraded', checks: { ...required, ...degraded } });
    },
  );
};
