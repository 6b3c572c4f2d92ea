/** IPv4 addresses and CIDRs as numbers (pure): the VPN's subnets, pools and nftables sets. */
import { isIPv4 } from 'node:net';
import { VpnError } from './VpnError.ts';

export type Ipv4Cidr = { network: number; prefix: number };

export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `a.b.c.d/n` (or a bare address, /32); a host part is cleared. Throws `VPN_BAD_OPTION` otherwise. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const [address = '', prefixText = '32', extra] = text.trim().split('/');
  const prefix = Number(prefixText);
  if (extra !== undefined || !isIPv4(address) || !/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    throw new VpnError(`not an IPv4 CIDR: ${JSON.stringify(text)}`, {
      code: 'VPN_BAD_OPTION',
      details: 'write it as a.b.c.d/n (IPv6 is always blocked while the VPN is on)',
    });
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ipv4ToNumber(address) & mask) >>> 0, prefix };
}

export const formatIpv4Cidr = ({ network, prefix }: Ipv4Cidr) => `${numberToIpv4(network)}/${prefix}`;

export function ipv4CidrContains({ network, prefix }: Ipv4Cidr, address: string): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return isIPv4(address) && (ipv4ToNumber(address) & mask) >>> 0 === network;
}

/** The IPv4 entries of a CIDR list (IPv6 ones are skipped: the VPN carries IPv4 only). */
export function ipv4Only(cidrs: readonly string[]): string[] {
  return cidrs.filter((c) => isIPv4(c.split('/')[0] ?? '')).map((c) => formatIpv4Cidr(parseIpv4Cidr(c)));
}
