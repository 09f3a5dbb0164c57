import { OperatorError } from '../operator-error.ts';

/**
 * Every connection Pollster opens belongs to a pool the README's "Connections" table names, sized
 * by a setting. When PostgreSQL runs out of connection slots, or a pool keeps a caller waiting
 * too long for a free connection, the server's or the driver's message ("sorry, too many clients
 * already", "timeout exceeded when trying to connect") names neither the pool nor what to change:
 * the pools wrap their connection errors with this where they are created.
 */
export interface PoolLabel {
  /** As the README's "Connections" table names it, e.g. `event store read pool`. */
  name: string;
  /** The environment variable that sizes it; absent where none does (lease session, migrations, the CLI's pool). */
  setting?: string;
  size: number;
  /** How long a caller waits for a free connection before failing (pools that time out). */
  waitMs?: number;
}

/** too_many_connections: the server's max_connections, a role's or a database's CONNECTION LIMIT. */
const TOO_MANY_CONNECTIONS = '53300';
// pg-pool's words when a caller waited connectionTimeoutMillis for a free client.
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

const POOL_SETTINGS = 'DATABASE_POOL_SIZE, EVENT_STORE_READ_POOL_SIZE, APPEND_FLUSHERS';

export class PoolConnectionError extends OperatorError {
  /** 53300 as the server sent it, or `pool.timeout`. */
  readonly code: string;
  readonly pool: string;
  readonly setting: string | undefined;

  constructor(message: string, code: string, label: PoolLabel, cause: unknown) {
    super(message, { cause });
    this.name = 'PoolConnectionError';
    this.code = code;
    this.pool = label.name;
    this.setting = label.setting;
  }
}

const sized = (label: PoolLabel) =>
  label.setting ? `${label.setting}=${label.size}` : label.size === 1 ? 'one connection' : `${label.size} connections`;

/** `error` with the pool and the setting to change when it is a refusal or a wait timeout; else `error` itself. */
export function explainConnectionError(error: unknown, label: PoolLabel): unknown {
  if (!(error instanceof Error) || error instanceof PoolConnectionError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === TOO_MANY_CONNECTIONS) {
    const lower = label.setting ? `lower ${label.setting} or the other pools` : 'lower the pools';
    return new PoolConnectionError(
      `PostgreSQL refused a connection of the ${label.name} (${sized(label)}): ${error.message}. ` +
        `Every Pollster process on this server adds its pools (${POOL_SETTINGS}; README, "Connections"): ` +
        `${lower} of the processes sharing it, or raise the server's max_connections (or the role's CONNECTION LIMIT)`,
      TOO_MANY_CONNECTIONS,
      label,
      error,
    );
  }
  if (error.message === POOL_WAIT_TIMEOUT) {
    return new PoolConnectionError(
      `no free connection in the ${label.name} (${sized(label)}): all were busy for ${label.waitMs ?? '?'} ms` +
        (label.setting ? `; raise ${label.setting} if the server has room (README, "Connections")` : ''),
      'pool.timeout',
      label,
      error,
    );
  }
  return error;
}
