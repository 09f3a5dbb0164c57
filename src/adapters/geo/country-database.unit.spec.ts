import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader, type CountryResponse } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { openCountryDatabase, shippedCountryDatabasePath } from './country-database.ts';

/**
 * Against the file shipped with @ip-location-db/geo-whois-asn-country-mmdb: addresses whose
 * registration is long-standing and public (the registries' own, the big resolvers, a university).
 */
describe('country database (shipped MMDB)', () => {
  const countries = openCountryDatabase();

  it.each([
    ['8.8.8.8', 'US'], // Google Public DNS
    ['1.1.1.1', 'AU'], // APNIC's research prefix, registered in Australia
    ['193.0.0.1', 'NL'], // RIPE NCC, Amsterdam
    ['131.111.8.46', 'GB'], // University of Cambridge
    ['133.1.1.1', 'JP'], // Osaka University
    ['::ffff:8.8.8.8', 'US'], // IPv4-mapped IPv6, as a dual-stack socket reports IPv4 clients
  ])('IPv4 %s is %s', (ip, country) => {
    expect(countries.countryOf(ip)).toBe(country);
  });

  it.each([
    ['2001:4860:4860::8888', 'US'], // Google Public DNS
    ['2a00:1450:4001::1', 'IE'], // Google's European registration
    ['2001:67c:2e8::1', 'NL'], // RIPE NCC
  ])('IPv6 %s is %s', (ip, country) => {
    expect(countries.countryOf(ip)).toBe(country);
  });

  it('calls loopback, private, link-local, CGNAT and ULA addresses private, garbage unknown', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '172.16.5.4', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(countries.countryOf(ip), ip).toBe('private');
    }
    expect(countries.countryOf('not an address')).toBe('unknown');
    expect(countries.countryOf('')).toBe('unknown');
  });

  it('answers a dotted-quad IPv4 address (its fast path) as ipaddr.js and the reader answer it', () => {
    // The slow path, as it stood: ipaddr.js parses and classifies, the reader looks up its string.
    const reader = new Reader<CountryResponse & { country_code?: string }>(readFileSync(shippedCountryDatabasePath()));
    const slow = (ip: string) => {
      const address = ipaddr.process(ip);
      if (['private', 'loopback', 'linkLocal', 'carrierGradeNat', 'unspecified'].includes(address.range())) return 'private';
      return reader.get(address.toString())?.country_code ?? 'unknown';
    };
    // Every range's edges, and addresses spread over the whole space.
    const edges = ['0.0.0.0', '0.255.255.255', '1.0.0.0', '9.255.255.255', '10.0.0.0', '10.255.255.255', '11.0.0.0', '100.63.255.255', '100.64.0.0',
      '100.127.255.255', '100.128.0.0', '126.255.255.255', '127.0.0.0', '127.255.255.255', '128.0.0.0', '169.253.255.255', '169.254.0.0',
      '169.254.255.255', '169.255.0.0', '172.15.255.255', '172.16.0.0', '172.31.255.255', '172.32.0.0', '192.167.255.255', '192.168.0.0',
      '192.168.255.255', '192.169.0.0', '224.0.0.1', '240.0.0.1', '255.255.255.255'];
    const spread = Array.from({ length: 20_000 }, (_, i) => {
      const n = (i * 2_654_435_761) >>> 0; // Knuth's multiplicative hash: every /8 and most /16s
      return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    });
    for (const ip of [...edges, ...spread]) expect(countries.countryOf(ip), ip).toBe(slow(ip));
    // Twice over: records decoded once and kept answer as they did the first time.
    for (const ip of spread.slice(0, 2_000)) expect(countries.countryOf(ip), ip).toBe(slow(ip));
  });

  it('reports where the data comes from and when it was built', () => {
    expect(countries.info.source).toContain('@ip-location-db/geo-whois-asn-country-mmdb');
    expect(Date.parse(countries.info.builtAt)).toBeGreaterThan(Date.parse('2024-01-01T00:00:00Z'));
    expect(countries.info.builtAt).toMatch(/Z$/);
  });

  it('opens another file named by the operator, and refuses one that is not an MMDB', () => {
    const other = openCountryDatabase(shippedCountryDatabasePath().replace(/\.mmdb$/, '-ipv4.mmdb'));
    expect(other.countryOf('8.8.8.8')).toBe('US');
    expect(other.info.source).not.toContain('@ip-location-db');
    const bad = join(mkdtempSync(join(tmpdir(), 'geo-')), 'broken.mmdb');
    writeFileSync(bad, 'not a database');
    expect(() => openCountryDatabase(bad)).toThrow(/broken\.mmdb/);
    expect(() => openCountryDatabase(join(tmpdir(), 'no-such-file.mmdb'))).toThrow(/no-such-file\.mmdb/);
  });
});
