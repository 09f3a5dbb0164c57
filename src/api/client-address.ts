import type { FastifyRequest } from 'fastify';

const known = new WeakMap<FastifyRequest, string>();

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
