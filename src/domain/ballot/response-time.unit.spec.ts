import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_SECONDS, responseSeconds } from './response-time.ts';

describe('responseSeconds', () => {
  const castAt = '2030-03-01T09:10:00.000Z';

  it('is the time from the start to the ballot in whole seconds, rounded down', () => {
    expect(responseSeconds('2030-03-01T09:09:18.700Z', castAt)).toBe(41);
    expect(responseSeconds('2030-03-01T09:10:00.000Z', castAt)).toBe(0);
    expect(responseSeconds(new Date('2030-03-01T08:10:00.000Z'), new Date(castAt))).toBe(3600);
  });

  it('counts a start slightly in the future (clock skew) as 0 s', () => {
    expect(responseSeconds('2030-03-01T09:10:30.000Z', castAt)).toBe(0);
  });

  it('gives nothing for no start, a start far in the future, one older than the bound, or no time at all', () => {
    expect(responseSeconds(undefined, castAt)).toBeNull();
    expect(responseSeconds('2030-03-01T09:12:00.000Z', castAt)).toBeNull();
    expect(responseSeconds(new Date(Date.parse(castAt) - (MAX_RESPONSE_SECONDS + 1) * 1000), castAt)).toBeNull();
    expect(responseSeconds(new Date(Date.parse(castAt) - MAX_RESPONSE_SECONDS * 1000), castAt)).toBe(MAX_RESPONSE_SECONDS);
    expect(responseSeconds('yesterday', castAt)).toBeNull();
  });
});
