import { BackendTerminatedError, ConnectionError } from 'slonik';
import { describe, expect, it } from 'vitest';
import { isPoisonCandidate } from './failures.ts';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
const wrapped = (cause: Error) => new Error('Query failed', { cause });

describe('isPoisonCandidate', () => {
  it.each([
    ['a TypeError in handler code', new TypeError('x is undefined')],
    ['a not-null violation (23502)', wrapped(pgError('23502'))],
    ['a unique violation (23505)', wrapped(pgError('23505'))],
    ['an invalid input value (22P02)', wrapped(pgError('22P02'))],
  ])('may park %s', (_, error) => {
    expect(isPoisonCandidate(error)).toBe(true);
  });

  it.each([
    ['a lost connection', new ConnectionError('gone')],
    ['a terminated backend', new BackendTerminatedError(pgError('57P01'))],
    ['an admin shutdown (57P01)', wrapped(pgError('57P01'))],
    ['a serialization failure (40001)', wrapped(pgError('40001'))],
    ['a missing table (42P01)', wrapped(pgError('42P01'))],
    ['a socket error (ECONNRESET)', wrapped(pgError('ECONNRESET'))],
  ])('never parks %s', (_, error) => {
    expect(isPoisonCandidate(error)).toBe(false);
  });
});
