import { describe, expect, it } from 'vitest';
import { ValidationError, withoutStack } from './errors.ts';
import { ballotStream, nationalIdStream, pollStream, userStream } from './streams.ts';
import { toIso } from './time.ts';

describe('stream names', () => {
  it('follow ARCHITECTURE.md', () => {
    expect(pollStream('p1')).toBe('poll-p1');
    expect(ballotStream('p1', 'u.42')).toBe('ballot-p1-u.42');
    expect(userStream('u1')).toBe('user-u1');
    expect(nationalIdStream('abc')).toBe('nationalid-abc');
  });
});

describe('toIso', () => {
  it('turns a Date or any ISO string into canonical UTC', () => {
    expect(toIso(new Date('2030-01-01T00:00:00Z'), 'now')).toBe('2030-01-01T00:00:00.000Z');
    expect(toIso('2030-01-01T02:00:00+02:00', 'now')).toBe('2030-01-01T00:00:00.000Z');
  });

  it('rejects what is not a time, naming the field', () => {
    expect(() => toIso('soon', 'settings.endsAt')).toThrowError(ValidationError);
    try {
      toIso('soon', 'settings.endsAt');
    } catch (error) {
      expect((error as ValidationError).field).toBe('settings.endsAt');
    }
  });
});

describe('withoutStack', () => {
  it('makes the error with its message and no stack frames, and leaves the stack limit as it was, also when making it throws', () => {
    const limit = Error.stackTraceLimit;
    const error = withoutStack(() => new ValidationError('request.invalid', 'no'));
    expect(error).toMatchObject({ code: 'request.invalid', message: 'no' });
    expect(error.stack).toBe('ValidationError: no');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(() => withoutStack(() => { throw new Error('while making'); })).toThrow('while making');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('after').stack).toContain('\n    at ');
  });
});
