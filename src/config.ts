import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { DEFAULT_TOKENS_IN_MEMORY } from './adapters/vote-tokens/tokens-in-memory.ts';
import { isNetworkList } from './adapters/webhook-targets.ts';
import { OperatorError } from './operator-error.ts';

/**
 * Every setting Pollster reads, validated once at start. Framework-free so the API, the worker
 * and the CLI share it. Unset connection URLs select the embedded default (own PostgreSQL under
 * the data folder, in-process counters and bus); set them for the full stack.
 * The README's configuration table mirrors this schema: keep them in step.
 */
const Url = Type.String({ pattern: '^[a-z][a-z0-9+.-]*://' });

const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  // Spelled out: literals built with .map lose their types, and the level typed as never.
  LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info' },
  ),
  /** auto: readable lines on a terminal, JSON lines otherwise (files, pipes, log collectors). */
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], { default: 'auto' }),
  /** Unset: embedded PostgreSQL under POLLSTER_DATA_DIR. */
  DATABASE_URL: Type.Optional(Url),
  POLLSTER_DATA_DIR: Type.String({ default: '.pollster' }),
  /** Unset: the port the data folder remembers, else 54329, else any free port. */
  EMBEDDED_PG_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  /** Unset: in-process counters. */
  REDIS_URL: Type.Optional(Url),
  /** Unset: in-process bus. */
  NATS_URL: Type.Optional(Url),
  EVENT_STORE: Type.Union([Type.Literal('postgres'), Type.Literal('eventstoredb')], { default: 'postgres' }),
  EVENTSTORE_URL: Type.Optional(Url),
  /** Base URL of the national ID registry; unset = the bundled sandbox registry, started in-process. */
  REGISTRY_URL: Type.Optional(Url),
  /** Access-token signing key; unset = a generated key kept in the database's `secrets` table. */
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /**
   * Ed25519 keys signing audit checkpoints, exports and the checkpoint feed: base64 32-byte seeds,
   * comma-separated, oldest first (the last signs), or one PKCS#8 PEM. Unset: AUDIT_SIGNING_KEY_FILE.
   */
  AUDIT_SIGNING_KEY: Type.Optional(Type.String({ minLength: 32 })),
  /** Unset: `<POLLSTER_DATA_DIR>/keys/audit-signing-key`, created (0600) on first start. */
  AUDIT_SIGNING_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** The worker signs a poll's checkpoint after this many new events of the poll (and at every PollClosed). */
  AUDIT_CHECKPOINT_EVENTS: Type.Integer({ minimum: 1, default: 1000 }),
  /** ... or once its oldest unsigned event is this old. */
  AUDIT_CHECKPOINT_SECONDS: Type.Integer({ minimum: 1, default: 5 }),
  /**
   * How often the checkpoint job looks (its own interval, not JOBS_INTERVAL_MS): with the 5 s above,
   * an event of a poll with traffic is under a signed checkpoint within about 6 s (README, "Witnesses").
   */
  AUDIT_CHECKPOINT_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 86_400_000, default: 1000 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 86_400, default: 3600 }),
  /** Proxies whose X-Forwarded-For is believed: `true`, a hop count, or comma-separated addresses/CIDRs. */
  TRUST_PROXY: Type.Optional(Type.String()),
  /** Per client IP on the ballot routes; 0 turns it off. */
  RATE_LIMIT_BALLOTS_PER_MINUTE: Type.Integer({ minimum: 0, default: 120 }),
  /**
   * castBallot requests of networks already challenged on their poll, which wait for everyone
   * else's: how many a second an API node serves, over all such networks. Ample for a challenged
   * network's voters who solve their puzzles; a flood that waits for its answers is slowed to it.
   */
  SERVE_LAST_PER_SECOND: Type.Integer({ minimum: 1, maximum: 100_000, default: 250 }),
  /** Distinct voters per poll per IP prefix (/24, /48) in the window before further ones are flagged and challenged; a poll may override; 0 = off. */
  FRAUD_VELOCITY_LIMIT: Type.Integer({ minimum: 0, default: 50 }),
  FRAUD_VELOCITY_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  /** Distinct voters per `open` poll from one client address in the window before they are flagged `fingerprint` (other policies: not counted); 0 = off. */
  FRAUD_FINGERPRINT_LIMIT: Type.Integer({ minimum: 0, default: 10 }),
  /** An account younger than this adds `new-account` to a flag raised for another reason; 0 = off. */
  FRAUD_NEW_ACCOUNT_SECONDS: Type.Integer({ minimum: 0, default: 600 }),
  /** The most vote tokens one poll may issue (a poll's settings.maxVoteTokens may set fewer); past it, 422 poll.vote-token-limit. */
  VOTE_TOKENS_MAX_PER_POLL: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1_000_000 }),
  /** Issued token hashes an API node keeps in memory (about 80 bytes of heap each), so a ballot of one needs no lookup; 0 = none. */
  VOTE_TOKENS_IN_MEMORY: Type.Integer({ minimum: 0, maximum: 100_000_000, default: DEFAULT_TOKENS_IN_MEMORY }),
  /** Proof-of-work size: a client tries up to this many hashes (half on average). */
  FRAUD_CHALLENGE_MAX_NUMBER: Type.Integer({ minimum: 1000, maximum: 100_000_000, default: 100_000 }),
  FRAUD_CHALLENGE_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
  /** How long a ballot waits for the velocity counter (Redis) before it is accepted unchecked. */
  FRAUD_CHECK_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 10_000, default: 250 }),
  /** Per client IP on register, login and the email verification operations; 0 turns it off. */
  RATE_LIMIT_AUTH_PER_MINUTE: Type.Integer({ minimum: 0, default: 30 }),
  /** Per client IP on join code lookups (`/api/join/{code}`, `/j/<code>`, `/v/<code>`), so codes cannot be tried in bulk; as high as the ballot limit because a room of voters often shares one address. 0 turns it off. */
  RATE_LIMIT_JOIN_PER_MINUTE: Type.Integer({ minimum: 0, default: 120 }),
  /** Per client IP on getReceiptProof, which anyone may call and which reads and hashes the whole poll up to the checkpoint; 0 turns it off. */
  RATE_LIMIT_PROOFS_PER_MINUTE: Type.Integer({ minimum: 0, default: 30 }),
  /** Comma-separated origins allowed by CORS; unset = no cross-origin browser access. */
  CORS_ORIGINS: Type.Optional(Type.String()),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Parallel group-commit flushers (each holds one connection while it writes a batch). */
  APPEND_FLUSHERS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  /** After a commit that left a few appends queued, how long the next batch waits for more (0: at once). */
  APPEND_GATHER_MS: Type.Integer({ minimum: 0, maximum: 50, default: 2 }),
  /** Most appends written in one group-commit transaction. */
  APPEND_MAX_BATCH: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  /** An append waits at most this long for a lock on the events table, then answers 503. */
  APPEND_LOCK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 2_000 }),
  /** One append statement runs at most this long, then answers 503. */
  APPEND_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),
  /**
   * The SQL pool (read models, credentials, projection batches, jobs). Defaults are sized so that
   * four processes fit a stock PostgreSQL (max_connections 100): README, "Connections".
   */
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 2, maximum: 500, default: 8 }),
  /** The event store's reads: aggregate streams, `$all` pages of every subscription (postgres store). */
  EVENT_STORE_READ_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 6 }),
  /** Live edge: at most one results frame per poll per this many ms. */
  LIVE_THROTTLE_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 500 }),
  /** Live edge: websocket ping / SSE comment interval; a websocket that misses a pong is dropped. */
  LIVE_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
  /** Live edge: a watched poll without bus messages this long is re-read from the read model (lost messages). */
  LIVE_RESYNC_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),
  /** Live edge: unsent bytes after which a viewer is dropped as a slow consumer. */
  LIVE_MAX_BUFFERED_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Live edge: websocket/SSE viewers one client address may hold on a node; 0 = no bound. */
  LIVE_MAX_VIEWERS_PER_ADDRESS: Type.Integer({ minimum: 0, default: 256 }),
  /** Live edge: viewers a node accepts in all; 0 = no bound. */
  LIVE_MAX_VIEWERS: Type.Integer({ minimum: 0, default: 20_000 }),
  /** The whole request (headers and body) must arrive within this; then 408. */
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 30_000 }),
  /** The request headers must arrive within this; then 408. */
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 10_000 }),
  /** An idle keep-alive connection is closed after this (keep it above a load balancer's idle timeout in front of Pollster). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 10_000 }),
  /** Slices of poll ids the projection work is split into (`pollster worker`); every worker must use the same number. */
  PROJECTION_PARTITIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 4 }),
  /**
   * `pollster start` only: run the projections and background jobs on a worker thread of their
   * own, so the event loop serving the API does only that. auto = on when NATS_URL is set (the
   * live results reach the API's viewers through NATS); on needs NATS_URL.
   */
  WORKER_THREAD: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], { default: 'auto' }),
  /** How often a worker re-balances its partition leases (takes free ones, gives extra ones back). */
  LEASE_RETRY_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2000 }),
  /** How often each background job (schedule, milestones, webhooks, archival) runs. */
  JOBS_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 5000 }),
  /** The worker logs a warning naming a transaction that has held back the log's readers this long (postgres store). */
  LOG_HORIZON_WARN_SECONDS: Type.Integer({ minimum: 1, default: 30 }),
  /** Closed polls older than this are archived; 0 archives them at the next run. */
  ARCHIVE_AFTER_DAYS: Type.Integer({ minimum: 0, default: 30 }),
  /**
   * The key ring that derives anonymous voter keys (`id:secret`, comma-separated, oldest first),
   * for deployments that keep secrets in the environment. Unset: VOTER_KEY_FILE.
   */
  VOTER_KEY: Type.Optional(Type.String({ minLength: 16 })),
  /** Unset: `<POLLSTER_DATA_DIR>/keys/voter-key`, created (0600) on first start. */
  VOTER_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * An MMDB country database (ip-location-db's `*-country-mmdb` files, or MaxMind GeoLite2/GeoIP2
   * Country) used for ballot analytics instead of the one shipped with the npm package.
   */
  GEOIP_COUNTRY_DB: Type.Optional(Type.String({ minLength: 1 })),
  /** Unset: `<POLLSTER_DATA_DIR>/archive`. */
  ARCHIVE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Time a milestone webhook receiver has to answer; after it the outcome is unknown (not retried). */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  /** Attempts before a webhook that keeps failing is given up. */
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  /** Private networks (addresses or CIDRs, comma-separated) milestone webhooks may reach; unset = public addresses only. */
  WEBHOOK_ALLOWED_NETWORKS: Type.Optional(Type.String({ minLength: 1 })),
  /** First retry delay of a failed webhook; doubles per attempt, at most one hour. */
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 10, default: 10_000 }),
  /** SMTP server for verification mail, `smtp://user:pass@host:587` (`?from=` names the sender); unset = `<POLLSTER_DATA_DIR>/outbox/`. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
});

export type RawConfig = Static<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** Absolute data folder (embedded PostgreSQL, generated keys). */
  dataDir: string;
  mode: 'embedded' | 'full-stack';
}

export class ConfigError extends OperatorError {}

/** Parses `env` (process.env by default); throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(ConfigSchema.properties);
  // Empty strings count as unset, so `DATABASE_URL= npm start` means "embedded".
  const input = Object.fromEntries(known.flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input));
  if (!Value.Check(ConfigSchema, value)) {
    const problems = new Map<string, string>();
    for (const e of Value.Errors(ConfigSchema, value)) {
      const key = e.instancePath.replace(/^\//, '') || '(config)';
      if (!problems.has(key)) problems.set(key, `${key}=${JSON.stringify(env[key] ?? '')}: ${e.message}`);
    }
    throw new ConfigError(`invalid configuration:\n  ${[...problems.values()].join('\n  ')}`);
  }
  const config = value as RawConfig;
  if (config.WEBHOOK_ALLOWED_NETWORKS !== undefined && !isNetworkList(config.WEBHOOK_ALLOWED_NETWORKS)) {
    throw new ConfigError(`invalid configuration:\n  WEBHOOK_ALLOWED_NETWORKS=${JSON.stringify(config.WEBHOOK_ALLOWED_NETWORKS)}: expected addresses or CIDRs, comma-separated`);
  }
  if (config.EVENT_STORE === 'eventstoredb' && !config.EVENTSTORE_URL) {
    throw new ConfigError('invalid configuration:\n  EVENT_STORE=eventstoredb needs EVENTSTORE_URL');
  }
  if (config.WORKER_THREAD === 'on' && !config.NATS_URL) {
    throw new ConfigError('invalid configuration:\n  WORKER_THREAD=on needs NATS_URL: the worker thread publishes live results through NATS');
  }
  return {
    ...config,
    dataDir: resolve(config.POLLSTER_DATA_DIR),
    mode: config.DATABASE_URL ? 'full-stack' : 'embedded',
  };
}
