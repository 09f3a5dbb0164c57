import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { createRequire } from 'node:module';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { Reader, type CountryResponse } from 'maxmind';

/**
 * Offline IP → country for ballot analytics, from an MMDB file read into memory once: the ballot
 * path never waits on a remote service or on the disk.
 *
 * The default file ships with the `@ip-location-db/geo-whois-asn-country-mmdb` package (CC0,
 * IPv4 and IPv6, country codes from the regional registries' whois and BGP data), so `npm ci`
 * installs it with everything else. `GEOIP_COUNTRY_DB` points at another (newer) file of the same
 * shape, or a MaxMind GeoLite2/GeoIP2 Country database; the file's build date is reported by
 * getAnalytics so an analyst knows how old the mapping is.
 *
 * Answers: an ISO 3166-1 alpha-2 code, `private` (loopback, RFC 1918, link-local, CGNAT, IPv6
 * ULA/link-local), or `unknown`. Only the answer is stored with a ballot, never the address.
 */
export type Country = string;

export interface CountryDatabase {
  countryOf(ip: string): Country;
  /** Where the mapping comes from and when it was built (the file's MMDB metadata). */
  readonly info: CountryDataInfo;
}

export interface CountryDataInfo {
  /** The file's `database_type` (and the package, for the shipped file). */
  source: string;
  /** ISO-8601 UTC: the file's build time. */
  builtAt: string;
}

const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

const SHIPPED_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';

/** The path of the file shipped with the package (resolved, so it works from any working directory). */
export function shippedCountryDatabasePath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`${SHIPPED_PACKAGE}/geo-whois-asn-country.mmdb`);
}

/** The default instance per file: one in-memory copy per process, however many apps it builds. */
const opened = new Map<string, CountryDatabase>();

/**
 * Opens `file` (default: the shipped one). Throws naming the file when it is missing or not an
 * MMDB: a broken database must stop the process at start, not label every ballot `unknown`.
 */
export function openCountryDatabase(file?: string): CountryDatabase {
  const path = file ?? shippedCountryDatabasePath();
  const cached = opened.get(path);
  if (cached) return cached;
  let reader: Reader<CountryResponse & { country_code?: string }>;
  try {
    // The records the reader has decoded, by their place in the file: a country file holds a few
    // hundred, and each ballot's lookup would otherwise build its record's object afresh
    // (maxmind's own open() keeps such a cache too).
    reader = new Reader(readFileSync(path), { cache: new LRUCache<number, object>({ max: 10_000 }) });
  } catch (cause) {
    throw new Error(`country database ${path}: ${(cause as Error).message}`, { cause });
  }
  const database: CountryDatabase = {
    countryOf: (ip) => lookup(reader, ip),
    info: {
      source: file === undefined ? `${SHIPPED_PACKAGE} (${reader.metadata.databaseType})` : reader.metadata.databaseType,
      builtAt: reader.metadata.buildEpoch.toISOString(),
    },
  };
  opened.set(path, database);
  return database;
}

function lookup(reader: Reader<CountryResponse & { country_code?: string }>, ip: string): Country {
  // The common case, a dotted-quad IPv4 address (what a socket or proxy-addr gives), without
  // ipaddr.js's parse and re-serialisation: about half of a ballot's lookup.
  if (isIPv4(ip)) return privateIPv4(ip) ? 'private' : codeOf(reader.get(ip));
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip.trim()); // ::ffff:a.b.c.d becomes the IPv4 address
  } catch {
    return 'unknown';
  }
  if (PRIVATE_RANGES.has(address.range())) return 'private';
  return codeOf(reader.get(address.toString()));
}

function codeOf(record: (CountryResponse & { country_code?: string }) | null): Country {
  // ip-location-db files carry `country_code`; MaxMind's Country databases `country.iso_code`
  const code = record?.country_code ?? record?.country?.iso_code ?? record?.registered_country?.iso_code;
  return typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : 'unknown';
}

/**
 * ipaddr.js's IPv4 ranges that PRIVATE_RANGES names, for a dotted quad: unspecified 0/8,
 * private 10/8, 172.16/12 and 192.168/16, loopback 127/8, link-local 169.254/16, CGNAT 100.64/10.
 */
function privateIPv4(ip: string): boolean {
  const dot = ip.indexOf('.');
  const a = Number(ip.slice(0, dot));
  const b = Number(ip.slice(dot + 1, ip.indexOf('.', dot + 1)));
  return a === 0 || a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}
