import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveHub } from './live-hub.ts';

/** What the two live routes share: the node's hub, the access check and the slow-consumer limit. */
export interface LiveRouteOptions {
  hub: LiveHub;
  access: (request: FastifyRequest<any>, reply: FastifyReply) => Promise<void>;
  maxBufferedBytes: number;
}
