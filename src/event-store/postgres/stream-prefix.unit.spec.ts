import { describe, expect, it } from 'vitest';
import { likePrefix, normalizePrefixes, upperBound } from './stream-prefix.ts';

describe('stream prefixes on postgres', () => {
  it('escapes LIKE wildcards and the escape character, so a prefix matches literally', () => {
    expect(likePrefix('ballot-p_1%-')).toBe('ballot-p\\_1\\%-%');
    expect(likePrefix('a\\b')).toBe('a\\\\b%');
  });

  it('bounds a prefix from above by incrementing its last code point', () => {
    expect(upperBound('ballot-7-')).toBe('ballot-7.');
    expect(upperBound('poll-z')).toBe('poll-{');
    expect(upperBound('a\u{D7FF}')).toBe('a\u{E000}'); // surrogates are not characters
    expect(upperBound('a\u{10FFFF}')).toBe('b');
    expect(upperBound('\u{10FFFF}')).toBeUndefined();
  });

  it('drops duplicates and prefixes covered by a shorter one; an empty prefix means no filter', () => {
    expect(normalizePrefixes(['poll-1', 'ballot-1-', 'poll-1', 'poll-12', 'ballot-1-u.x'])).toEqual(['ballot-1-', 'poll-1']);
    expect(normalizePrefixes(['poll-1', ''])).toBeUndefined();
    expect(normalizePrefixes([])).toBeUndefined();
  });
});
