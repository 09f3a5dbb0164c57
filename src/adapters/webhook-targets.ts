import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where the worker may POST a webhook. Organizers choose the URL, so without this an organizer
 * could make the server call its own loopback, the private network, or a cloud metadata service
 * (169.254.169.254) with retries: a server-side request forgery. Only public unicast addresses
 * pass, plus the networks an operator allows explicitly (on-premises receivers). The check is
 * made on the address actually connected to, after DNS, so a name that resolves to a private
 * address is refused too; deliveries never follow redirects.
 */
export interface WebhookTargets {
  /** Why `address` (an IP literal) may not be connected to, or undefined when it may. */
  refusal(address: string): string | undefined;
}

export function webhookTargets(allowedNetworks: readonly string[] = []): WebhookTargets {
  const allowed = allowedNetworks.map(parseNetwork);
  return {
    refusal(address) {
      let ip = ipaddr.parse(address);
      if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
      if (allowed.some(([network, bits]) => network.kind() === ip.kind() && ip.match(network, bits))) return undefined;
      const range = ip.range();
      if (range === 'unicast') return undefined;
      return `${address} is a ${range} address; set WEBHOOK_ALLOWED_NETWORKS to allow it`;
    },
  };
}

/** The refusal for a URL whose host is an IP literal (checked when a poll is created); undefined for names. */
export function literalHostRefusal(targets: WebhookTargets, url: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? targets.refusal(host) : undefined;
}

function parseNetwork(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const text = entry.trim();
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const ip = ipaddr.parse(text);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

export function isNetworkList(value: string): boolean {
  return value.split(',').every((entry) => {
    try {
      parseNetwork(entry);
      return true;
    } catch {
      return false;
    }
  });
}
