/**
 * Whether a multiaddr's first hop is a loopback, private (RFC 1918, RFC 4193), link-local
 * or CGNAT address. Used by the connection gater of public nodes so they never dial into
 * the operator's LAN because a peer advertised such an address.
 */
import { BlockList } from 'node:net';
import type { Multiaddr } from '@multiformats/multiaddr';

const privateRanges = new BlockList();
privateRanges.addSubnet('127.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('169.254.0.0', 16, 'ipv4');
privateRanges.addSubnet('100.64.0.0', 10, 'ipv4');
privateRanges.addSubnet('0.0.0.0', 8, 'ipv4');
privateRanges.addAddress('::1', 'ipv6');
privateRanges.addAddress('::', 'ipv6');
privateRanges.addSubnet('fc00::', 7, 'ipv6');
privateRanges.addSubnet('fe80::', 10, 'ipv6');

export function isPrivateMultiaddr(ma: Multiaddr): boolean {
  const first = ma.getComponents()[0];
  if (!first?.value) return false;
  if (first.name === 'ip4') return privateRanges.check(first.value, 'ipv4');
  if (first.name === 'ip6') {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(first.value);
    return mapped?.[1] ? privateRanges.check(mapped[1], 'ipv4') : privateRanges.check(first.value, 'ipv6');
  }
  return false;
}
