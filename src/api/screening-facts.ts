import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ScreeningFacts } from '../commands/fraud/screen-ballot.ts';
import { userStream } from '../domain/shared/streams.ts';
import type { Services } from '../runtime/services.ts';
import { ipPrefix } from './ballot-meta.ts';

/**
 * What velocity detection learns from a ballot request: the client's prefix (request.ip honours
 * TRUST_PROXY), a fingerprint of address + user agent (hashed here, never stored), the solved
 * challenge from the body, and a lazy look-up of the account's age, paid only when a flag is raised.
 */
export function screeningFacts(request: FastifyRequest, services: Services, challenge: string | undefined): ScreeningFacts {
  const userId = request.anonymous ? undefined : request.user?.userId;
  const fingerprint = createHash('sha256').update(`${request.ip}\n${request.headers['user-agent'] ?? ''}`).digest('hex').slice(0, 32);
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
