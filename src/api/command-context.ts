import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from '../event-store/integrity/canonical-json.ts';
import type { CommandContext } from '../commands/handle-command.ts';
import type { Actor } from '../commands/polls/authorize.ts';
import { ValidationError } from '../domain/shared/errors.ts';
import { clientAddress } from './client-address.ts';

const sha256 = (text: string): string => hash('sha256', text);

/**
 * What a request tells the command side: who acts and which request this is. A client that
 * retries a command sends the same `Idempotency-Key`, and gets the first result back instead of
 * a second effect (or a 409).
 *
 * A key means something only to its caller and for one operation: the command id is a hash of
 * (caller scope, method + route + path parameters, key), so two callers choosing the same key
 * (anonymous voters all used to share one scope) or one caller reusing a key on another poll
 * never meet. `scope` is who the caller is for this command: the ballot routes pass the voter key
 * (the account, the vote token's hash or the keyed client fingerprint, as the poll's voter policy
 * decides); otherwise the account, and for an anonymous caller its client fingerprint.
 */
export function commandContext(request: FastifyRequest, scope?: string): CommandContext {
  const key = request.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
    throw new ValidationError('request.invalid-idempotency-key', 'Idempotency-Key must be 1..200 characters', {
      field: 'headers.idempotency-key',
    });
  }
  const user = request.anonymous ? undefined : request.user;
  const context: CommandContext = { actor: user ? `user:${user.userId}` : 'anonymous', correlationId: request.id };
  if (!key) return context;
  const caller = scope ?? (user ? `u.${user.userId}` : `f.${sha256(`${clientAddress(request)}\n${request.headers['user-agent'] ?? ''}`)}`);
  // Hashed: the command id is stored as causation id, and must not name the account on anonymous polls.
  context.commandId = sha256(JSON.stringify([caller, operationOf(request), key]));
  context.requestDigest = sha256(canonicalJson(request.body ?? null));
  return context;
}

/** `POST /api/polls/:pollId/ballots` plus its parameters: ids are compared case-insensitively everywhere. */
function operationOf(request: FastifyRequest): string {
  const params = Object.entries((request.params ?? {}) as Record<string, string>)
    .map(([name, value]) => [name, String(value).toLowerCase()])
    .sort(([a], [b]) => (a! < b! ? -1 : 1));
  return JSON.stringify([request.method, request.routeOptions.url, params]);
}

export function actorOf(request: FastifyRequest): Actor {
  return { kind: 'user', userId: request.user.userId, roles: request.user.roles };
}
