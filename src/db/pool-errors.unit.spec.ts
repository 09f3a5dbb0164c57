import { describe, expect, it } from 'vitest';
import { explainConnectionError, PoolConnectionError } from './pool-errors.ts';

const READS = { name: 'event store read pool', setting: 'EVENT_STORE_READ_POOL_SIZE', size: 6, waitMs: 15_000 };

describe('connection errors name the pool', () => {
  it('a wait for a free connection that timed out says which pool was full and what to raise', () => {
    const error = explainConnectionError(new Error('timeout exceeded when trying to connect'), READS);
    expect(error).toBeInstanceOf(PoolConnectionError);
    expect((error as PoolConnectionError).message).toBe(
      'no free connection in the event store read pool (EVENT_STORE_READ_POOL_SIZE=6): all were busy for 15000 ms; ' +
        'raise EVENT_STORE_READ_POOL_SIZE if the server has room (README, "Connections")',
    );
    expect((error as PoolConnectionError).code).toBe('pool.timeout');
  });

  it('keeps SQLSTATE 53300 on a refusal, and leaves every other error as it was', () => {
    const refused = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    const error = explainConnectionError(refused, { name: 'lease session', size: 1 }) as PoolConnectionError;
    expect(error.code).toBe('53300');
    expect(error.cause).toBe(refused);
    expect(error.message).toMatch(/^PostgreSQL refused a connection of the lease session \(one connection\): sorry, too many clients already\./);
    const other = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    expect(explainConnectionError(other, READS)).toBe(other);
    expect(explainConnectionError(error, READS)).toBe(error);
  });
});
