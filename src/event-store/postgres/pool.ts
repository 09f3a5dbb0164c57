import pg from 'pg';
import { explainConnectionError, type PoolLabel } from '../../db/pool-errors.ts';

/**
 * A node-postgres pool whose `end()` resolves only once every connection is really closed.
 * pg-pool's own `end()` resolves after *asking* idle connections to close; a caller that then drops
 * the database (tests) or exits would see those connections killed under it, and the FATAL that
 * arrives on a client pg-pool has already let go of is an unhandled 'error' that crashes the process.
 */
export interface ClosablePool {
  pool: pg.Pool;
  end(): Promise<void>;
}

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * Every checkout, `pool.query`'s included (pg-pool checks out through `this.connect`), passes
 * here: a refusal by the server or a wait for a free client that timed out comes out naming the
 * pool and its setting (src/db/pool-errors.ts).
 */
class LabelledPool extends pg.Pool {
  readonly #label: PoolLabel;

  constructor(config: pg.PoolConfig, label: PoolLabel) {
    super(config);
    this.#label = label;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback === undefined) {
      return super.connect().catch((error: unknown) => {
        throw explainConnectionError(error, this.#label);
      });
    }
    super.connect((error, client, done) => callback(error ? (explainConnectionError(error, this.#label) as Error) : error, client, done));
  }
}

export interface CreatePoolOptions {
  /** Statements run on each new connection before any other query (pg queues them in order). */
  setup?: string;
  /** Names the pool in connection errors; unlabelled pools (tests, benches) pass errors as they are. */
  label?: PoolLabel;
}

export function createPool(config: pg.PoolConfig, options: CreatePoolOptions = {}): ClosablePool {
  const { setup, label } = options;
  const pool = label ? new LabelledPool(config, label) : new pg.Pool(config);
  const closed = new Set<Promise<void>>();
  pool.on('connect', (client) => {
    if (setup !== undefined) client.query(setup).catch(() => {}); // a failure resurfaces on the next query
    // Errors of a query reach its caller; this only catches a dropped idle or closing connection.
    client.on('error', () => {});
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    closed.add(ended);
    void ended.then(() => closed.delete(ended));
  });
  pool.on('error', () => {}); // an idle client lost: the pool replaces it on the next query
  return {
    pool,
    async end() {
      await pool.end();
      await Promise.all([...closed]);
    },
  };
}
