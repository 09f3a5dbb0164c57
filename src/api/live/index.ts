import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { InProcessLiveBus } from '../../projections/to-nats/in-process-live-bus.ts';
import type { LiveBus } from '../../projections/to-nats/live-bus.ts';
import { liveAccess } from './access.ts';
import { ViewerLimits } from './viewer-limits.ts';
import { LiveHub } from './live-hub.ts';
import { resultsLoader } from './load-results.ts';
import { livePageRoutes } from './page-routes.ts';
import { DEFAULT_LIVE, type LiveSettings } from './settings.ts';
import { liveSseRoute } from './sse-route.ts';
import { liveWsRoute } from './ws-route.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's live edge: `liveEdge.metrics()` for /metrics (viewers per poll, frames, drops). */
    liveEdge: LiveHub;
    /** LIVE_MAX_VIEWERS*: slots of live connections, taken by the live routes and by GraphQL subscription sockets. */
    liveViewers: ViewerLimits;
  }
}

export interface LiveEdgeOptions {
  /**
   * The bus the results projection publishes to (src/runtime/live.ts). Without one the edge still
   * works, from the read model alone: each watched poll is re-read every LIVE_RESYNC_MS.
   */
  bus?: LiveBus;
  settings?: Partial<LiveSettings>;
  /**
   * The largest websocket message the node accepts. The app shares one websocket server between
   * the live routes, whose viewers send nothing, and GraphQL subscriptions, whose clients send
   * their queries (src/api/graphql/limits.ts); default 1 KB.
   */
  maxMessageBytes?: number;
}

/**
 * The live edge (ARCHITECTURE.md, "Live edge"): liveResults (websocket), liveResultsSse and the
 * live results page, over one LiveHub per app. Snapshots and the visibility rules come from
 * `app.queries` (results, the poll cache, verified emails).
 */
export const liveEdge = fp<LiveEdgeOptions>(
  async (app: FastifyInstance, options) => {
    const settings: LiveSettings = { ...DEFAULT_LIVE, ...options.settings };
    const hub = new LiveHub({
      bus: options.bus ?? new InProcessLiveBus(),
      loadResults: resultsLoader(app.queries.results),
      throttleMs: settings.throttleMs,
      heartbeatMs: settings.heartbeatMs,
      resyncMs: settings.resyncMs,
      onError: (err, pollId) => app.log.warn({ err, pollId }, 'live edge: could not read the results of a poll'),
    });
    app.decorate('liveEdge', hub);
    // Live viewers send nothing: a small maxPayload; no per-socket deflate (it would compress each frame
    // once per socket); no client set in ws (the hub tracks the viewers, and closes them on preClose).
    await app.register(websocket, { options: { maxPayload: options.maxMessageBytes ?? 1024, perMessageDeflate: false, clientTracking: false } });
    const limits = new ViewerLimits({ perAddress: settings.maxViewersPerAddress, total: settings.maxViewers });
    app.decorate('liveViewers', limits);
    const checkAccess = liveAccess(app);
    const access: typeof checkAccess = async (request, reply) => {
      await checkAccess(request, reply);
      limits.admit(request); // after the access checks: a refused viewer holds no slot
    };
    const routeOptions = { hub, access, maxBufferedBytes: settings.maxBufferedBytes };
    await app.register(liveWsRoute, routeOptions);
    await app.register(liveSseRoute, routeOptions);
    await app.register(livePageRoutes);
    // Before the server closes: end the viewers' connections so that close does not wait on them.
    app.addHook('preClose', async () => hub.close());
  },
  { name: 'live-edge', dependencies: ['auth', 'problem-details', 'queries'] },
);

export { edgeMetricsText, type EdgeMetrics } from './metrics.ts';
export { DEFAULT_LIVE, liveSettingsFrom, type LiveSettings } from './settings.ts';
