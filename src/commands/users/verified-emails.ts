import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import type { EventStore } from '../../event-store/port.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';

/**
 * Which accounts proved their email address, read from the log (the user stream folded with the
 * user decider), never from a table a request could have written. Positive answers are cached:
 * EmailVerified is permanent and an account's email never changes (no command changes it), so a
 * verified address stays verified on every node without any invalidation. Negative answers are
 * not cached, so an account that verifies is let in on its next request. The cache is bounded
 * (least recently used out) so a node's memory does not grow with the number of accounts.
 */
export class VerifiedEmails {
  readonly #store: EventStore;
  readonly #maxEntries: number;
  readonly #verified = new Map<string, string>();

  constructor(store: EventStore, options: { maxEntries?: number } = {}) {
    this.#store = store;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** The account's verified email address (lower-cased), or null when it has none (or no account). */
  async of(userId: string): Promise<string | null> {
    const cached = this.#verified.get(userId);
    if (cached !== undefined) {
      this.#verified.delete(userId); // re-insert: Map order is the recency order
      this.#verified.set(userId, cached);
      return cached;
    }
    const { state: user } = await aggregateStream(this.#store, userDecider, userStream(userId));
    if (user.status === 'none' || user.emailVerifiedAt === undefined) return null;
    this.#verified.set(userId, user.email);
    if (this.#verified.size > this.#maxEntries) this.#verified.delete(this.#verified.keys().next().value!);
    return user.email;
  }

  get size(): number {
    return this.#verified.size;
  }
}

/** The organisation of an address: its domain, compared case-insensitively. */
export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
