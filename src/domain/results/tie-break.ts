import { createHash } from 'node:crypto';

/**
 * The fixed order in which options still tied for elimination go (instant-runoff.ts): ascending
 * sha256 of `pollId + optionId` in hex. Derived from the poll id so that anyone replaying the log
 * gets the same order, while no option is favoured by its position or its id across polls.
 * (A hash is computation, not I/O: the domain stays pure.)
 */
export function seededTieOrder(pollId: string, optionIds: readonly string[]): string[] {
  const key = (optionId: string) => createHash('sha256').update(pollId + optionId).digest('hex');
  return optionIds
    .map((optionId) => ({ optionId, key: key(optionId) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((o) => o.optionId);
}
