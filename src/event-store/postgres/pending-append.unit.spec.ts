import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/shared/errors.ts';
import { prepareEvents } from './pending-append.ts';

/** What jsonb refuses is refused before the batch, so one bad append cannot fail its neighbours' commit. */
const event = (data: unknown, metadata: Record<string, unknown> = {}) => ({ id: randomUUID(), type: 'Tested', data, metadata });

describe('prepareEvents', () => {
  it('refuses U+0000 and unpaired surrogates in data and metadata as validation errors', () => {
    for (const [data, metadata, code] of [
      [{ name: 'a\u0000b' }, {}, 'event-store.nul-character'],
      [{ name: 'a\ud800b' }, {}, 'event-store.unpaired-surrogate'],
      [{ name: ['ok', { deep: '\udfff' }] }, {}, 'event-store.unpaired-surrogate'],
      [{}, { actor: '\udc00' }, 'event-store.unpaired-surrogate'],
    ] as const) {
      let caught: unknown;
      try {
        prepareEvents('s-1', [event(data, metadata)]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).code).toBe(code);
    }
  });

  it('keeps paired surrogates, escaped backslashes and other control characters', () => {
    const [prepared] = prepareEvents('s-1', [event({ text: '🦄 \\ud800 \\u0000 \u0001\u001f' })]);
    expect(JSON.parse(prepared!.data)).toEqual({ text: '🦄 \\ud800 \\u0000 \u0001\u001f' });
  });
});
