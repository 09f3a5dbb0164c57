import type { KeyObject } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { CountryDatabase } from '../adapters/geo/country-database.ts';
import type { Mailer } from '../adapters/mail/port.ts';
import type { NationalRegistry } from '../adapters/national-registry/port.ts';
import type { VoterKeyring } from '../adapters/voter-keys.ts';
import type { AuditKeyRing } from '../audit/signing-key.ts';
import type { SigningKey } from '../audit/signing.ts';
import type { CommandDeps } from '../commands/command-deps.ts';
import type { VerifiedEmails } from '../commands/users/verified-emails.ts';
import type { EventStore } from '../event-store/port.ts';
import type { ProjectionStatus } from '../projections/runner/status.ts';
import type { ResultsCache } from '../projections/to-redis/results-cache.ts';

/**
 * The ports the HTTP layer is built from (the process's services, src/runtime/services.ts, have
 * them all). Only the commands and queries plugins read them; routes see `app.commands` and
 * `app.queries`, never these.
 */
export interface ApiServices {
  store: EventStore;
  /** SQL for everything but the event store's hot path (credentials, read models). */
  sql: DatabasePool;
  commands: CommandDeps;
  registry: NationalRegistry;
  /** The projection workers, where this process runs them (single-process mode, tests). */
  projections: { status(): Promise<ProjectionStatus[]> } | undefined;
  /**
   * Read-your-writes: resolves once the read models have applied the log through `position`
   * (at once where this process runs no projections: there is nothing local to wait for).
   */
  readModelsAt(position: bigint): Promise<void>;
  /** Redis results (REDIS_URL); getResults asks it first and falls back to the read model. */
  resultsCache?: ResultsCache;
  /** Sends the one-time codes of email verification (SMTP_URL, else the outbox folder). */
  mailer: Mailer;
  /** Verified email addresses from the log, cached per node: what organization membership rests on. */
  verifiedEmails: VerifiedEmails;
  /** Client address → country for ballot analytics (GEOIP_COUNTRY_DB, else the shipped file). */
  countries: CountryDatabase;
  secrets: {
    /** HMAC key for national-id hashes: the base key of the voter key ring, never in the database. */
    identityKey: KeyObject;
    /** Derive anonymous voter keys and per-poll ballot hashes (src/adapters/voter-keys.ts). */
    voterKeys: VoterKeyring;
    /** Signs access tokens. */
    jwtSecret: string;
    /** Signs the audit checkpoints, exports and the checkpoint feed: the ring's current key. */
    auditKey: SigningKey;
    /** The whole audit key ring (AUDIT_SIGNING_KEY or its key file), oldest first, and where it came from. */
    auditKeys: AuditKeyRing;
  };
}
