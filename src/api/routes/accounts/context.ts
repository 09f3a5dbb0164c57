import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../../../commands/handle-command.ts';

/**
 * The account commands take no Idempotency-Key: each registration mints a new user id, and a
 * command id shared by two callers would make the second one's first-admin claim look like a
 * repeat of the first one's. A retried account command is safe anyway (409 email taken, 403 wrong
 * password, idempotent role grants and verifications).
 */
export function accountContext(request: FastifyRequest): CommandContext {
  const userId = request.user?.userId;
  return { actor: userId ? `user:${userId}` : 'anonymous', correlationId: request.id };
}
