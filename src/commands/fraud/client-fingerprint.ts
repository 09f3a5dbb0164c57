import { createHmac, type KeyObject } from 'node:crypto';

/**
 * The client's fingerprint for velocity detection: its full address, keyed-hashed and never
 * stored. Keyed, since a plain hash of an IPv4 address is undone by trying all 2^32 of them. The
 * user agent is left out on purpose: on `open` polls it is part of the voter, and a host minting
 * voters by changing it is what the fingerprint counts.
 */
export function clientFingerprint(identityKey: KeyObject, ip: string): string {
  return createHmac('sha256', identityKey).update(`client-address:${ip}`).digest('hex').slice(0, 32);
}
