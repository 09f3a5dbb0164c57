import pg from 'pg';

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

/** `setup`: statements run on each new connection before any other query (pg queues them in order). */
export function createPool(config: pg.PoolConfig, setup?: string): ClosablePool {
  const pool = new pg.Pool(config);
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
