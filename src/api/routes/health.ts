import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** A named probe of one store the process depends on; it throws when the store does not answer. */
export type HealthCheck = () => Promise<void>;

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

const Report = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox<{ checks: Record<string, HealthCheck> }> = async (app, { checks }) => {
  app.get(
    '/health/live',
    { schema: { tags: ['operations'], operationId: 'live', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/health/ready',
    { schema: { tags: ['operations'], operationId: 'ready', response: { 200: Report, 503: Report } } },
    async (_request, reply) => {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => probe(checks[name]!)));
      const report = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
      const ready = results.every((r) => r === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: report });
    },
  );
};
