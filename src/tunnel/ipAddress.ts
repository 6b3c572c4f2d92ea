/**
 * IP address and CIDR parsing into integers (pure): IPv4 as a 32-bit value, IPv6 as a
 * 128-bit bigint. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is unwrapped to IPv4 so that a
 * policy written for IPv4 also covers the mapped form.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpAddress = { family: 4; value: bigint } | { family: 6; value: bigint };
export type Cidr = { family: 4 | 6; network: bigint; prefix: number };

function parseV4(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

/** Parses an IP literal; returns undefined when `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, value: parseV4(bare) };
  const noZone = bare.split('%')[0] as string;
  if (!isIPv6(noZone)) return undefined;
  let head = noZone;
  let tailV4: bigint | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(head.slice(lastColon + 1));
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? (head.split('::') as [string, string]) : [head, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const groups =
    right === undefined
      ? leftGroups
      : [...leftGroups, ...Array(8 - leftGroups.length - rightGroups.length).fill('0'), ...rightGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  if (tailV4 !== undefined) value = (value & ~0xffff_ffffn) | tailV4;
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffff_ffffn };
  return { family: 6, value };
}

/** Parses `addr/prefix` (or a bare address as a host route); throws on malformed input. */
export function parseCidr(text: string): Cidr {
  const [addr, prefixText] = text.split('/') as [string, string | undefined];
  const ip = parseIp(addr);
  if (!ip) throw new TypeError(`not an IP network: ${text}`);
  const bits = ip.family === 4 ? 32 : 128;
  // An IPv4-mapped network written in IPv6 keeps its meaning for the IPv4 part.
  const rawFamily = isIPv4(addr) ? 4 : 6;
  let prefix = prefixText === undefined ? (rawFamily === 4 ? 32 : 128) : Number(prefixText);
  if (rawFamily === 6 && ip.family === 4) prefix -= 96;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new TypeError(`bad prefix: ${text}`);
  return { family: ip.family, network: mask(ip.value, prefix, bits), prefix };
}

function mask(value: bigint, prefix: number, bits: number): bigint {
  if (prefix === 0) return 0n;
  const shift = BigInt(bits - prefix);
  return (value >> shift) << shift;
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  return mask(ip.value, cidr.prefix, ip.family === 4 ? 32 : 128) === cidr.network;
}
