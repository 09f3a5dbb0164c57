import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openCountryDatabase } from '../adapters/geo/country-database.ts';
import { ballotMeta, deviceClass, ipPrefix } from './ballot-meta.ts';

const countries = openCountryDatabase();

/** Device classes as analytics reports them, with the user agents that are easy to get wrong. */
const UA = {
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
  chromeOs: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  iPhone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  androidPhone: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
  androidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  iPad: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1',
  kindleSilk: 'Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/120 like Chrome/120 Safari/537.36',
  windowsPhone: 'Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 Mobile Safari/537.36 Edge/15',
  operaMini: 'Opera/9.80 (J2ME/MIDP; Opera Mini/9.80/191.283; U; en) Presto/2.12.423 Version/12.16',
  googlebotMobile:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  playStation: 'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  cubotPhone: 'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
  headlessChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36',
};

describe('deviceClass', () => {
  it.each([
    [UA.windowsChrome, 'desktop'],
    [UA.macSafari, 'desktop'],
    [UA.chromeOs, 'desktop'],
    [UA.iPhone, 'mobile'],
    [UA.androidPhone, 'mobile'],
    // Android without "Mobile" is a tablet by Google's own convention
    [UA.androidTablet, 'tablet'],
    // "Mobile" appears in iPad user agents too: tablet must be tested before mobile
    [UA.iPad, 'tablet'],
    [UA.kindleSilk, 'tablet'],
    // names Android, but it is a phone: "Mobile" decides, not the OS
    [UA.windowsPhone, 'mobile'],
    [UA.operaMini, 'mobile'],
    // crawlers pose as phones: bot is tested first
    [UA.googlebotMobile, 'bot'],
    ['curl/8.5.0', 'bot'],
    ['python-requests/2.31.0', 'bot'],
    ['node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'bot'],
    ['undici', 'bot'],
    [UA.playStation, 'unknown'],
    ['', 'unknown'],
    ['something else entirely', 'unknown'],
  ])('%s → %s', (ua, device) => expect(deviceClass(ua)).toBe(device));

  // iPadOS 13+ Safari sends the macOS user agent by default: indistinguishable without client hints.
  it('counts an iPad in desktop mode as desktop (limit of user-agent sniffing)', () => expect(deviceClass(UA.macSafari)).toBe('desktop'));

  // Known gaps of the current patterns, kept visible: these flip to passing once the patterns learn them.
  it('a CUBOT phone is mobile (a bare "bot" inside a brand name is no bot)', () => expect(deviceClass(UA.cubotPhone)).toBe('mobile'));
  it('headless Chrome is a bot', () => expect(deviceClass(UA.headlessChrome)).toBe('bot'));
});

const POLL_A = createSecretKey(Buffer.alloc(32, 1));
const POLL_B = createSecretKey(Buffer.alloc(32, 2));

describe('ipPrefix', () => {
  it('keeps the /24 of an IPv4 address (mapped into IPv6 too), the /48 of an IPv6 one, and nothing of garbage', () => {
    expect(ipPrefix('131.111.8.46')).toBe('131.111.8.0/24');
    expect(ipPrefix('8.8.8.8')).toBe('8.8.8.0/24');
    expect(ipPrefix('::ffff:10.1.2.3')).toBe('10.1.2.0/24');
    expect(ipPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(ipPrefix('2001:DB8::1')).toBe('2001:db8:0::/48');
    expect(ipPrefix('1.2.3')).toBe('unknown');
    expect(ipPrefix('1.2.3.4.5')).toBe('unknown');
    expect(ipPrefix('')).toBe('unknown');
  });
});

describe('ballotMeta', () => {
  it('keeps the country, a prefix and a hash, never the address or the user agent', () => {
    const meta = ballotMeta('131.111.8.46', UA.iPhone, POLL_A, countries);
    expect(meta).toEqual({ ipPrefix: '131.111.8.0/24', device: 'mobile', country: 'GB', userAgentHash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(JSON.stringify(meta)).not.toContain('131.111.8.46');
    expect(ballotMeta('::ffff:127.0.0.1', '', POLL_A, countries).country).toBe('private');
  });

  it('hashes the user agent per poll: the same browser in two polls leaves nothing equal to join on', () => {
    expect(ballotMeta('131.111.8.46', UA.iPhone, POLL_A, countries).userAgentHash).toBe(ballotMeta('10.0.0.1', UA.iPhone, POLL_A, countries).userAgentHash);
    expect(ballotMeta('131.111.8.46', UA.iPhone, POLL_A, countries).userAgentHash).not.toBe(ballotMeta('131.111.8.46', UA.iPhone, POLL_B, countries).userAgentHash);
  });

  // The user agents' facts are cached: the attack is a cache that hands one poll's hash to another
  // poll's ballot (linking a voter across polls), or keeps whatever headers a client sends.
  const keyedHash = (key: KeyObject, userAgent: string) => createHmac('sha256', key).update(`ua:${userAgent}`).digest('hex').slice(0, 16);

  it("never gives a ballot a hash cached under another poll's key, however the polls interleave", () => {
    const polls = [POLL_A, POLL_B, createSecretKey(Buffer.alloc(32, 3)), POLL_A, POLL_B];
    for (const userAgent of Object.values(UA)) {
      for (const key of polls) {
        const meta = ballotMeta('131.111.8.46', userAgent, key, countries);
        expect(meta.userAgentHash).toBe(keyedHash(key, userAgent));
        expect(meta.device).toBe(deviceClass(userAgent));
      }
    }
  });

  it('gives hostile user agents (over-long, odd bytes, many distinct) the same facts as uncached ones', () => {
    const hostile = ['x'.repeat(513), 'y'.repeat(16_000), '\u0000\uffff é', ' ', ...Array.from({ length: 30_000 }, (_, i) => `bot-${i}`)];
    for (const userAgent of [...hostile, ...hostile.slice(0, 10)]) {
      const meta = ballotMeta('131.111.8.46', userAgent, POLL_A, countries);
      expect(meta.userAgentHash).toBe(keyedHash(POLL_A, userAgent));
      expect(meta.device).toBe(deviceClass(userAgent));
    }
  });
});
