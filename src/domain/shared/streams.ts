/**
 * Stream names are the consistency boundaries of ARCHITECTURE.md. They live in one place because
 * the command handlers, the projections (which route by category, the part before the first `-`)
 * and the audit endpoints must agree on them exactly.
 */
export const pollStream = (pollId: string): string => `poll-${pollId}`;

/** One stream per voter per poll: appending with `no_stream` makes a second ballot lose in the store. */
export const ballotStream = (pollId: string, voterKey: string): string => `ballot-${pollId}-${voterKey}`;

/** The poll's signed audit checkpoints (src/audit), written by the worker; never read by the tally. */
export const auditStream = (pollId: string): string => `audit-${pollId}`;

/** An account's blind ballot credential for one poll: issued once, by `no_stream` (src/domain/credential). */
export const credentialStream = (pollId: string, accountId: string): string => `credential-${pollId}-${accountId}`;

const POLL_OR_BALLOT = /^(?:poll|ballot)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-|$)/;

/** The poll a `poll-<id>` or `ballot-<id>-<voterKey>` stream belongs to; undefined for any other stream. */
export const pollIdOfStream = (stream: string): string | undefined => POLL_OR_BALLOT.exec(stream)?.[1];

export const userStream = (userId: string): string => `user-${userId}`;

/** Keyed by the HMAC of the national id, never the id itself, so the log holds no raw national id. */
export const nationalIdStream = (nationalIdHash: string): string => `nationalid-${nationalIdHash}`;

/** Claimed once, with `no_stream`, by the account that becomes the admin of an empty system. */
export const FIRST_ADMIN_STREAM = 'bootstrap-first-admin';
