import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ScreeningFacts } from '../commands/fraud/screen-ballot.ts';
import { userStream } from '../domain/shared/streams.ts';
import type { Services } from '../runtime/services.ts';
import { ipPrefix } from './ballot-meta.ts';

/**
 * What velocity detection learns from a ballot request: the client's prefix (request.ip honours
 * TRUST_PROXY), the client's fingerprint (its full address, keyed-hashed here and never stored),
 * the solved challenge from the body, and a lazy look-up of the account's age, paid only when a
 * flag is raised. The user agent is left out of the fingerprint on purpose: on `open` polls it is
 * part of the voter, and a host minting voters by changing it is what the fingerprint counts.
 */
export function screeningFacts(request: FastifyRequest, services: Services, challenge: string | undefined): ScreeningFacts {
  const userId = request.anonymous ? undefined : request.user?.userId;
  // Keyed: a plain hash of an IPv4 address is undone by trying all 2^32 of them.
  const fingerprint = createHmac('sha256', services.secrets.identityKey).update(`client-address:${request.ip}`).digest('hex').slice(0, 32);
  return {
    ipPrefix: ipPrefix(request.ip),
    fingerprint,
    ...(challenge ? { challenge } : {}),
    ...(userId ? { accountCreatedAt: () => accountCreatedAt(services, userId) } : {}),
  };
}

/** The time of the account's first event (UserRegistered or UserImported); null if unknown. */
async function accountCreatedAt(services: Services, userId: string): Promise<string | null> {
  const [first] = await services.store.readStream(userStream(userId), { maxCount: 1 });
  const data = first?.data as { registeredAt?: unknown; importedAt?: unknown } | undefined;
  const at = data?.registeredAt ?? data?.importedAt;
  return typeof at === 'string' ? at : first ? first.recordedAt.toISOString() : null;
}
