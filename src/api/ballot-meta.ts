import { createHmac, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';
import type { BallotMetaInput } from '../domain/ballot/commands.ts';
import type { CountryDatabase } from '../adapters/geo/country-database.ts';

/**
 * Facts about the client stored with a ballot, for analytics (device, country) and fraud checks
 * (IP prefix). Never the full address or user agent: a /24 (IPv4) or /48 (IPv6) prefix and a
 * hash are enough for both and identify nobody. The user-agent hash is keyed per poll: a plain
 * hash of a rare user agent is equal across polls and would link one person's ballots.
 */
export function ipPrefix(ip: string): string {
  const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(address)) return `${address.slice(0, address.lastIndexOf('.'))}.0/24`;
  if (isIPv6(address)) return `${expandIPv6(address).slice(0, 3).join(':')}::/48`;
  return 'unknown';
}

function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...(address.includes('::') ? zeros : []), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Coarse device class from the user agent; exact models are not our business. */
export function deviceClass(userAgent: string): string {
  if (!userAgent) return 'unknown';
  // `bot` as a word or product token only: brand names such as CUBOT are phones.
  if (/\bbot\b|bot\/|crawler|spider|headless|curl|wget|httpie|python|go-http|java\/|okhttp|node-fetch|undici|axios/i.test(userAgent)) {
    return 'bot';
  }
  if (/ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))/i.test(userAgent)) return 'tablet';
  if (/mobi|iphone|ipod|android|blackberry|opera mini|iemobile/i.test(userAgent)) return 'mobile';
  if (/windows|macintosh|linux|x11|cros/i.test(userAgent)) return 'desktop';
  return 'unknown';
}

/** What a ballot keeps of its user agent: the device class and the poll-keyed hash. */
interface UserAgentFacts {
  device: string;
  userAgentHash: string;
}

// A poll's voters send a few hundred distinct user agents between them, and the keyed hash was
// a fifth of what a ballot's meta cost (~2.5% of the event loop at saturation). Kept per poll key,
// never per user agent alone: a hash made under one poll's key handed to another poll's ballot
// would link the two. A number per key (keys are never compared by content), a bounded cache, and
// user agents longer than any browser's computed each time, so hostile headers cannot fill it.
const MAX_CACHED_USER_AGENT = 512;
const keyNumbers = new WeakMap<KeyObject, number>();
let nextKeyNumber = 0;
const userAgentFacts = new LRUCache<string, UserAgentFacts>({ max: 20_000 });

const factsAfresh = (userAgent: string, pollKey: KeyObject): UserAgentFacts => ({
  device: deviceClass(userAgent),
  // 'ua:' keeps it apart from the voter keys derived under the same poll key
  userAgentHash: createHmac('sha256', pollKey).update(`ua:${userAgent}`).digest('hex').slice(0, 16),
});

function factsOf(userAgent: string, pollKey: KeyObject): UserAgentFacts {
  if (userAgent.length > MAX_CACHED_USER_AGENT) return factsAfresh(userAgent, pollKey);
  let keyNumber = keyNumbers.get(pollKey);
  if (keyNumber === undefined) keyNumbers.set(pollKey, (keyNumber = nextKeyNumber++));
  const cacheKey = `${keyNumber}\n${userAgent}`;
  let facts = userAgentFacts.get(cacheKey);
  if (facts === undefined) userAgentFacts.set(cacheKey, (facts = factsAfresh(userAgent, pollKey)));
  return facts;
}

/**
 * `pollKey`: src/adapters/voter-keys.ts, the poll's own key, which the database never holds.
 * `network`: `ipPrefix(ip)`, when the caller has it already (src/api/client-address.ts).
 */
export function ballotMeta(ip: string, userAgent: string, pollKey: KeyObject, countries: CountryDatabase, network = ipPrefix(ip)): BallotMetaInput {
  const { device, userAgentHash } = factsOf(userAgent, pollKey);
  return {
    ipPrefix: network,
    device,
    // offline lookup (no service on the ballot path); only the country is kept, never the address
    country: countries.countryOf(ip),
    userAgentHash,
  };
}
