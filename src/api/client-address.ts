import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ipPrefix } from './ballot-meta.ts';

const ADDRESS = Symbol('client address');
const NETWORK = Symbol('client network');

type Remembered = FastifyRequest & { [ADDRESS]?: string | null; [NETWORK]?: string | null };

/**
 * Declares the two fields below on every request, so that requests keep one shape. Without it
 * they still work, as fields added on first use. (A WeakMap by request did the same, and had the
 * GC track an ephemeron for every request.)
 */
export const clientAddressFields = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest(ADDRESS, null);
    app.decorateRequest(NETWORK, null);
  },
  { name: 'client-address-fields' },
);

/**
 * `request.ip`, TRUST_PROXY honoured, worked out once per request: fastify's getter parses
 * X-Forwarded-For and tests every hop against the trusted networks on each read, and a ballot
 * reads it four or five times (rate limit, fingerprint, prefix, voter, meta).
 */
export function clientAddress(request: FastifyRequest): string {
  return ((request as Remembered)[ADDRESS] ??= request.ip);
}

/** The client's network (`ipPrefix`: /24 or /48), once per request: the ballot route asks at its first hook and again in its handler. */
export function clientNetwork(request: FastifyRequest): string {
  return ((request as Remembered)[NETWORK] ??= ipPrefix(clientAddress(request)));
}
