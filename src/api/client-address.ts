import type { FastifyRequest } from 'fastify';
import { ipPrefix } from './ballot-meta.ts';

const known = new WeakMap<FastifyRequest, string>();
const networks = new WeakMap<FastifyRequest, string>();

/**
 * `request.ip`, TRUST_PROXY honoured, worked out once per request: fastify's getter parses
 * X-Forwarded-For and tests every hop against the trusted networks on each read, and a ballot
 * reads it four or five times (rate limit, fingerprint, prefix, voter, meta).
 */
export function clientAddress(request: FastifyRequest): string {
  let address = known.get(request);
  if (address === undefined) {
    address = request.ip;
    known.set(request, address);
  }
  return address;
}

/** The client's network (`ipPrefix`: /24 or /48), once per request: the ballot route asks at its first hook and again in its handler. */
export function clientNetwork(request: FastifyRequest): string {
  let network = networks.get(request);
  if (network === undefined) {
    network = ipPrefix(clientAddress(request));
    networks.set(request, network);
  }
  return network;
}
