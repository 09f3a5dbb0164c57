import { describe, expect, it } from 'vitest';
import { countryOf, lookupCountry, parseCountryTable } from './country-of.ts';

/** The offline IP → country lookup: longest prefix wins, private ranges say so, the rest is unknown. */
describe('countryOf (bundled table)', () => {
  it.each([
    ['17.1.2.3', 'US'], // a legacy /8
    ['131.111.8.46', 'GB'], // a university /16
    ['133.11.0.1', 'JP'],
    ['128.178.1.1', 'CH'],
    ['::ffff:53.2.3.4', 'DE'], // IPv4-mapped IPv6, as a dual-stack socket reports it
  ])('%s is %s', (ip, country) => expect(countryOf(ip)).toBe(country));

  it.each(['10.0.0.1', '127.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.10.10', '100.64.0.1', '::1', 'fd12:3456::1', 'fe80::1'])(
    '%s is private',
    (ip) => expect(countryOf(ip)).toBe('private'),
  );

  it.each(['172.32.0.1', '203.0.113.9', '2001:db8::1', '::', 'not-an-ip', '', '1.2.3.4.5', '256.1.1.1'])('%s is unknown', (ip) =>
    expect(countryOf(ip)).toBe('unknown'),
  );
});

describe('lookupCountry / parseCountryTable', () => {
  const table = parseCountryTable(['# comment', 'cidr,country', '', '20.0.0.0/8,US', '20.5.0.0/16,FR', '30.0.0.0/12,private'].join('\n'));

  it('takes the longest matching prefix', () => {
    expect(lookupCountry(table, '20.5.9.9')).toBe('FR');
    expect(lookupCountry(table, '20.6.9.9')).toBe('US');
    expect(lookupCountry(table, '30.15.255.255')).toBe('private');
    expect(lookupCountry(table, '30.16.0.0')).toBe('unknown');
  });

  it('is pure: the same address always gives the same answer, whitespace and case aside', () => {
    expect(lookupCountry(table, ' 20.5.0.1 ')).toBe('FR');
    expect(lookupCountry(table, '::FFFF:20.5.0.1')).toBe('FR');
  });

  it.each([
    ['20.0.0.0/7,US', 'prefix length must be 8 to 16'],
    ['20.0.0.0/24,US', 'prefix length must be 8 to 16'],
    ['20.0.0.1/8,US', 'host bits must be zero'],
    ['20.0.0.0/8,usa', 'ISO 3166-1 alpha-2'],
    ['2001:db8::/32,US', 'IPv4 CIDR'],
    ['20.0.0.0/8,US,extra', 'two fields'],
    ['20.0.0.0/8,US\n20.0.0.0/8,FR', 'duplicate range'],
  ])('rejects %j, naming the line', (text, why) => {
    expect(() => parseCountryTable(text)).toThrow(why);
    expect(() => parseCountryTable(text)).toThrow(/line \d+/);
  });
});
