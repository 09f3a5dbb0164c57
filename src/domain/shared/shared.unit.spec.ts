import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
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
