import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Offline IP → country: the ballot path must never wait on a remote service. The bundled table is
 * deliberately tiny (a few registrations, enough to exercise analytics); a deployment would load a
 * maintained GeoIP file here behind the same `countryOf(ip)`. Only the answer is stored, never the
 * address.
 */
export type Country = string;

const PRIVATE = 'private';
const UNKNOWN = 'unknown';

/** The prefix lengths the table may use: coarse ranges only, so a lookup is at most nine map reads. */
const MIN_PREFIX = 8;
const MAX_PREFIX = 16;

/** Per prefix length, network address (as an unsigned 32-bit number) → country. */
export type CountryTable = ReadonlyMap<number, ReadonlyMap<number, Country>>;

/**
 * Parses the CSV (`cidr,country`; `#` comments, blank lines and the header skipped). Throws on a
 * malformed line, naming it: a broken table must stop the process at start, not mislabel ballots.
 */
export function parseCountryTable(text: string): CountryTable {
  const table = new Map<number, Map<number, Country>>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'cidr,country') return;
    const [cidr = '', country = '', ...rest] = line.split(',').map((s) => s.trim());
    const fail = (why: string): never => {
      throw new Error(`country table line ${index + 1} (${line}): ${why}`);
    };
    if (rest.length > 0) fail('expected two fields: cidr,country');
    if (country !== PRIVATE && !/^[A-Z]{2}$/.test(country)) fail('country must be an ISO 3166-1 alpha-2 code or "private"');
    const [address = '', lengthText = ''] = cidr.split('/');
    const length = Number(lengthText);
    if (!isIPv4(address) || !/^\d+$/.test(lengthText)) fail('expected an IPv4 CIDR like 10.0.0.0/8');
    if (length < MIN_PREFIX || length > MAX_PREFIX) fail(`prefix length must be ${MIN_PREFIX} to ${MAX_PREFIX}`);
    const network = ipv4ToNumber(address);
    if (maskOf(network, length) !== network) fail('host bits must be zero');
    const byNetwork = table.get(length) ?? new Map<number, Country>();
    if (byNetwork.has(network)) fail('duplicate range');
    table.set(length, byNetwork.set(network, country));
  });
  return table;
}

/** Longest-prefix match in `table`; pure, so unit specs pass a table of their own. */
export function lookupCountry(table: CountryTable, ip: string): Country {
  const address = ip.trim().toLowerCase();
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(mapped)) {
    const value = ipv4ToNumber(mapped);
    for (let length = MAX_PREFIX; length >= MIN_PREFIX; length--) {
      const country = table.get(length)?.get(maskOf(value, length));
      if (country !== undefined) return country;
    }
    return UNKNOWN;
  }
  if (isIPv6(address)) return isPrivateIPv6(address) ? PRIVATE : UNKNOWN;
  return UNKNOWN;
}

/** Read when the module loads, so a missing or broken table stops the process at start, not at a ballot. */
const defaultTable = parseCountryTable(readFileSync(new URL('./ipv4-countries.csv', import.meta.url), 'utf8'));

export function countryOf(ip: string): Country {
  return lookupCountry(defaultTable, ip);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** `>>> 0` keeps the result unsigned: JavaScript bit operations work on signed 32-bit integers. */
function maskOf(value: number, length: number): number {
  return (value & (0xffffffff << (32 - length))) >>> 0;
}

/** ::1 (loopback), fc00::/7 (unique local), fe80::/10 (link-local): never a public client. */
function isPrivateIPv6(address: string): boolean {
  if (address === '::1') return true;
  const first = address.startsWith('::') ? 0 : Number.parseInt(address.split(':')[0] ?? '', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}
