import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges: never a webhook target. */
const forbidden = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  forbidden.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(net, bits, 'ipv6');
}

export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return forbidden.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return forbidden.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export class AddressRefused extends Error {
  readonly code = 'EADDRREFUSED';
}

/** A host written as an IP literal (`[::1]` included), or null for a name. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? bare : null;
}

/**
 * DNS resolution that refuses forbidden addresses, used as the request's `lookup`: the address
 * checked is the one connected to (no second resolution an attacker's DNS could answer differently).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    // The callback's overloads (one address or all) cannot be expressed on a single call site.
    const done = callback as (error: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
    if (error) return done(error);
    const list = addresses;
    const bad = list.find((a) => isForbiddenAddress(a.address));
    if (bad || list.length === 0) return done(new AddressRefused(`${hostname} resolves to ${bad?.address ?? 'nothing'}, a private or reserved address`));
    if (options.all) return done(null, list);
    return done(null, list[0]!.address, list[0]!.family);
  });
};
