import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/shared/errors.ts';
import { isValidNationalId, nationalIdCheckDigit, normaliseNationalId, requireEligible } from './port.ts';
import { SANDBOX_IDS, SANDBOX_PEOPLE } from './sandbox/fixtures.ts';

const expectInvalid = (raw: unknown): void => {
  let caught: unknown;
  try {
    normaliseNationalId(raw);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect(caught).toMatchObject({ code: 'national-id.invalid', field: 'nationalId' });
};

describe('nationalIdCheckDigit', () => {
  it('computes 11 − (Σ weights 10..1) mod 11', () => {
    // S = 10·1 + 9·9 + 8·8 + 7·5 + 6·0 + 5·3 + 4·1 + 3·2 + 2·0 + 1·0 = 215; 215 mod 11 = 6; 11 − 6 = 5
    expect(nationalIdCheckDigit('1985031200')).toBe(5);
  });

  it('maps a remainder of 0 to check digit 0', () => {
    // '0000000000': S = 0 → (11 − 0) mod 11 = 0;  '1000000000': S = 10 → 11 − 10 = 1
    expect(nationalIdCheckDigit('0000000000')).toBe(0);
    expect(nationalIdCheckDigit('1000000000')).toBe(1);
  });

  it('returns undefined for prefixes that are never issued (check would be 10)', () => {
    // S = 1 (d10 = 1) → 11 − 1 = 10
    expect(nationalIdCheckDigit('0000000001')).toBeUndefined();
  });

  it('returns undefined for anything but ten digits', () => {
    expect(nationalIdCheckDigit('123')).toBeUndefined();
    expect(nationalIdCheckDigit('12345678x0')).toBeUndefined();
  });
});

describe('normaliseNationalId', () => {
  it('accepts a canonical id unchanged', () => {
    expect(normaliseNationalId(SANDBOX_IDS.active)).toBe(SANDBOX_IDS.active);
  });

  it('drops spaces, hyphens and dots', () => {
    expect(normaliseNationalId(' 198503-120.05 ')).toBe('19850312005');
    expect(normaliseNationalId('1985 0312 005')).toBe('19850312005');
  });

  it('rejects a wrong check digit', () => expectInvalid(SANDBOX_IDS.badCheckDigit));

  it('rejects every single-digit typo of a valid id', () => {
    const id = SANDBOX_IDS.active;
    for (let i = 0; i < id.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === id[i]) continue;
        expect(isValidNationalId(id.slice(0, i) + d + id.slice(i + 1))).toBe(false);
      }
    }
  });

  it('rejects swapped neighbours among the first ten digits', () => {
    const id = '19900715012';
    const swapped = id.slice(0, 2) + id[3] + id[2] + id.slice(4); // 1990 → 1909
    expect(isValidNationalId(swapped)).toBe(false);
  });

  it('rejects an issued-never prefix even with any last digit', () => {
    for (let d = 0; d <= 9; d++) expect(isValidNationalId(`0000000001${d}`)).toBe(false);
  });

  it.each([
    ['too short', '1985031200'],
    ['too long', '198503120055'],
    ['letters', '1985031200A'],
    ['empty', ''],
    ['other separators', '19850312/005'],
    ['absurdly long input', '1'.repeat(10_000)],
    ['a number, not a string', 19850312005],
    ['null', null],
  ])('rejects %s', (_label, raw) => expectInvalid(raw));

  it('accepts every sandbox fixture', () => {
    for (const person of SANDBOX_PEOPLE) expect(isValidNationalId(person.nationalId)).toBe(true);
    expect(isValidNationalId(SANDBOX_IDS.unknown)).toBe(true);
  });
});

describe('requireEligible', () => {
  it('passes active people and rejects deceased and revoked ones', () => {
    const person = { nationalId: SANDBOX_IDS.active, fullName: 'A', status: 'active' } as const;
    expect(requireEligible(person)).toBe(person);
    for (const status of ['deceased', 'revoked'] as const) {
      expect(() => requireEligible({ ...person, status })).toThrow(
        expect.objectContaining({ code: 'national-id.not-eligible', field: 'nationalId' }),
      );
    }
  });
});
