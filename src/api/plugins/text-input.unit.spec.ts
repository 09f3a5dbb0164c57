import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findTextFault } from './text-input.ts';

describe('findTextFault', () => {
  it('names the first value at fault by its path, in document order', () => {
    expect(findTextFault({ a: 'ok', b: [{ c: 'x' }, { c: 'y\u0000' }], d: '\ud800' })).toEqual({ path: ['b', 1, 'c'], fault: 'nul-character' });
    expect(findTextFault(['ok', 'x\udc00'])).toEqual({ path: [1], fault: 'unpaired-surrogate' });
    expect(findTextFault('\u0000')).toEqual({ path: [], fault: 'nul-character' });
  });

  it('names the object whose key is at fault', () => {
    expect(findTextFault({ a: { 'k\u0000': 1 } })).toEqual({ path: ['a'], fault: 'nul-character' });
  });

  it('is not fooled by a key named constructor, and walks query-string objects', () => {
    expect(findTextFault(JSON.parse('{"constructor":"x","email":"a\\u0000"}'))).toEqual({ path: ['email'], fault: 'nul-character' });
    const Empty = function () {} as unknown as { new (): Record<string, unknown>; prototype: object };
    Empty.prototype = Object.create(null);
    const query = new Empty();
    query.reason = '\u0000';
    expect(findTextFault(query)).toEqual({ path: ['reason'], fault: 'nul-character' });
  });

  it('leaves streams and buffers alone, and finds nothing in clean data', () => {
    expect(findTextFault(Readable.from(['\u0000']))).toBeUndefined();
    expect(findTextFault(Buffer.from('\u0000'))).toBeUndefined();
    expect(findTextFault({ a: ['🦄', 1, null, true, { b: '\u0001' }] })).toBeUndefined();
  });

  it('walks 100,000 levels of nesting without running out of stack', () => {
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findTextFault(deep)?.path).toHaveLength(100_000);
  });
});
