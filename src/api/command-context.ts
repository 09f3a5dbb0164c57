import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../commands/handle-command.ts';
import type { Actor } from '../commands/polls/authorize.ts';
import { ValidationError } from '../domain/shared/errors.ts';

/**
 * What a request tells the command side: who acts and which request this is. A client that
 * retries a command sends the same `Idempotency-Key`, and gets the first result back instead of
 * a second effect (or a 409).
 */
export function commandContext(request: FastifyRequest): CommandContext {
  const key = request.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
    throw new ValidationError('request.invalid-idempotency-key', 'Idempotency-Key must be 1..200 characters', {
      field: 'headers.idempotency-key',
    });
  }
  const user = request.anonymous ? undefined : request.user;
  return {
    actor: user ? `user:${user.userId}` : 'anonymous',
    correlationId: request.id,
    // Hashed: the command id is stored as causation id, and must not name the account on anonymous polls.
    ...(key ? { commandId: createHash('sha256').update(`${user?.userId ?? 'anonymous'}:${key}`).digest('hex') } : {}),
  };
}

export function actorOf(request: FastifyRequest): Actor {
  return { kind: 'user', userId: request.user.userId, roles: request.user.roles };
}
