import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { edgeMetricsText } from '../live/metrics.ts';

/**
 * GET /metrics in the Prometheus text format: the process (CPU, memory, event-loop lag, GC),
 * HTTP request durations by route and status, the projections this process runs (lag in events
 * and seconds: the numbers to alert on; parked events), the age of the transaction holding the
 * log's horizon (postgres store) and the live edge (viewers, frames, drops).
 */
export const metricsRoute = fp(
  async (app: FastifyInstance) => {
    const { queries } = app;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'pollster_' });
    const durations = new Histogram({
      name: 'pollster_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      durations.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
    const lagEvents = new Gauge({ name: 'pollster_projection_lag_events', help: 'Events not applied yet (capped).', labelNames: ['projection'], registers: [registry] });
    const lagSeconds = new Gauge({ name: 'pollster_projection_lag_seconds', help: 'Age of the oldest event not applied yet.', labelNames: ['projection'], registers: [registry] });
    const parked = new Gauge({ name: 'pollster_projection_parked_since_start', help: 'Events parked as poison since this process started.', labelNames: ['projection'], registers: [registry] });
    // The postgres store's readers see only what committed before the oldest open write began.
    const horizonAge = queries.logHorizonAge;
    const horizon = horizonAge
      ? new Gauge({
          name: 'pollster_log_horizon_age_seconds',
          help: 'How long the oldest transaction holding a transaction id on the database server has been open (0: none); readers of the log see nothing committed after it began.',
          registers: [registry],
        })
      : undefined;

    app.get('/metrics', { schema: { tags: ['operations'], operationId: 'metrics', summary: 'Prometheus metrics' } }, async (_request, reply) => {
      for (const status of await queries.projectionStatus()) {
        lagEvents.set({ projection: status.name }, status.lag.events);
        lagSeconds.set({ projection: status.name }, status.lag.seconds);
        parked.set({ projection: status.name }, status.parkedSinceStart);
      }
      if (horizonAge) horizon?.set(await horizonAge());
      const edge = app.hasDecorator('liveEdge') ? `\n${edgeMetricsText(app.liveEdge.metrics())}` : '';
      return reply.type(registry.contentType).send(`${await registry.metrics()}${edge}`);
    });
  },
  { name: 'metrics', dependencies: ['queries'] },
);
