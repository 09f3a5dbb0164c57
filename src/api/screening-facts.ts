import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ScreeningFacts } from '../commands/fraud/screen-ballot.ts';
import { clientAddress, clientNetwork } from './client-address.ts';

/**
 * What velocity detection learns from a ballot request: the client's prefix (request.ip honours
 * TRUST_PROXY), the client's fingerprint (its full address, keyed-hashed and never stored:
 * src/commands/fraud/client-fingerprint.ts; hashed when first read), the solved challenge from
 * the body, and a lazy look-up of the account's age, paid only when a flag is raised.
 */
export function screeningFacts(
  request: FastifyRequest,
  app: { commands: Pick<FastifyInstance['commands'], 'clientFingerprint'>; queries: Pick<FastifyInstance['queries'], 'accountCreatedAt'> },
  challenge: string | undefined,
): ScreeningFacts {
  const userId = request.anonymous ? undefined : request.user?.userId;
  let fingerprint: string | undefined;
  return {
    ipPrefix: clientNetwork(request),
    // Keyed on first read: only polls that count voters per address read it (`open` ones), and
    // its HMAC was 2.7% of the event loop on the token polls of the ingest bench.
    get fingerprint() {
      return (fingerprint ??= app.commands.clientFingerprint(clientAddress(request)));
    },
    ...(challenge ? { challenge } : {}),
    ...(userId ? { accountCreatedAt: () => app.queries.accountCreatedAt(userId) } : {}),
  };
}
