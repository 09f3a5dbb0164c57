import { describe, expect, it } from 'vitest';
import { excerpt, textFault } from './text.ts';

describe('textFault', () => {
  it('finds NUL and unpaired surrogates, and nothing else', () => {
    expect(textFault('a\u0000b')).toBe('nul-character');
    expect(textFault('\ud800')).toBe('unpaired-surrogate');
    expect(textFault('x\udfffy')).toBe('unpaired-surrogate');
    expect(textFault('🦄 \u0001\u001f\u007f\u2028\u202e\ufeff')).toBeUndefined();
    expect(textFault('')).toBeUndefined();
  });
});

describe('excerpt', () => {
  it('keeps short clean text as it is', () => {
    expect(excerpt('poll lunch')).toBe('poll lunch');
  });

  it('bounds long text and never splits a surrogate pair', () => {
    expect(excerpt('x'.repeat(10_000), 200)).toBe(`${'x'.repeat(200)}…`);
    expect(excerpt(`${'x'.repeat(199)}🦄🦄`, 200)).toBe(`${'x'.repeat(199)}…`);
  });

  it('replaces what PostgreSQL cannot store', () => {
    expect(excerpt('a\u0000b\ud800')).toBe('a\ufffdb\ufffd');
  });
});
