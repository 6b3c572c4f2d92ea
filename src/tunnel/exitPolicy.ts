/**
 * The exit policy (pure): which resolved addresses and ports a provider connects to.
 * By default a provider refuses every non-public range — private (RFC 1918, RFC 4193),
 * CGNAT, loopback, link-local, multicast, unspecified, reserved, and their IPv4-mapped
 * forms — so its own LAN is unreachable to clients. It is applied AFTER name resolution,
 * to the exact address the exit then connects to (DNS rebinding cannot slip through).
 */
import { type Cidr, cidrContains, type IpAddress, parseCidr, parseIp } from './ipAddress.ts';

export type ExitPolicyConfig = {
  /** Allow loopback (devnet only: the demo runs on one machine). */
  devnet?: boolean;
  /** Extra networks to allow, checked before the built-in deny list (e.g. a lab subnet). */
  allow?: readonly string[];
  /** Extra networks to refuse. */
  deny?: readonly string[];
  /** This host's own interface addresses (refused even in devnet mode unless loopback): set by the provider. */
  ownAddresses?: readonly string[];
  /** If set, only these ports are allowed. */
  allowPorts?: readonly number[];
  /** Ports always refused (e.g. 25 against spam). */
  denyPorts?: readonly number[];
};

export type ExitPolicy = {
  allow: Cidr[];
  deny: Cidr[];
  builtinDeny: Cidr[];
  loopback: Cidr[];
  devnet: boolean;
  allowPorts: ReadonlySet<number> | undefined;
  denyPorts: ReadonlySet<number>;
};

export type ExitDecision = { allowed: true } | { allowed: false; reason: 'port' | 'address' | 'not-an-ip' };

/** Non-public ranges refused by default (IANA special-purpose registries). */
export const NON_PUBLIC_NETWORKS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  // IPv4-compatible (deprecated) and the NAT64 / 6to4 forms: each wraps an IPv4 address, which may be a
  // private or loopback one the policy refuses in its plain form (SSRF through another spelling).
  '::/96',
  '64:ff9b::/96',
  '2002::/16',
  '64:ff9b:1::/48',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
] as const;
export const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'] as const;

/** Builds a policy; throws `TypeError` on a malformed CIDR (configuration error). */
export function createExitPolicy(config: ExitPolicyConfig = {}): ExitPolicy {
  const own = (config.ownAddresses ?? []).filter(
    (a) => !LOOPBACK_NETWORKS.some((n) => cidrContains(parseCidr(n), parseIp(a) as IpAddress)),
  );
  return {
    allow: (config.allow ?? []).map(parseCidr),
    deny: [...(config.deny ?? []), ...own].map(parseCidr),
    builtinDeny: NON_PUBLIC_NETWORKS.map(parseCidr),
    loopback: LOOPBACK_NETWORKS.map(parseCidr),
    devnet: config.devnet ?? false,
    allowPorts: config.allowPorts ? new Set(config.allowPorts) : undefined,
    denyPorts: new Set(config.denyPorts ?? []),
  };
}

/** Decides one resolved address and port. Order: ports, explicit deny, explicit allow, built-in ranges. */
export function checkExitAddress(policy: ExitPolicy, address: string | IpAddress, port: number): ExitDecision {
  if (policy.denyPorts.has(port) || (policy.allowPorts && !policy.allowPorts.has(port))) {
    return { allowed: false, reason: 'port' };
  }
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) return { allowed: false, reason: 'not-an-ip' };
  // An IPv4 address spelt as IPv6 (`::ffff:a.b.c.d`): a real destination uses the IPv4 form; refused
  // whatever it wraps, so no other spelling of a refused address can slip through.
  if (typeof address === 'string' && address.includes(':') && ip.family === 4)
    return { allowed: false, reason: 'address' };
  const inAny = (list: Cidr[]) => list.some((cidr) => cidrContains(cidr, ip));
  if (inAny(policy.deny)) return { allowed: false, reason: 'address' };
  if (inAny(policy.allow)) return { allowed: true };
  if (inAny(policy.loopback)) return policy.devnet ? { allowed: true } : { allowed: false, reason: 'address' };
  if (inAny(policy.builtinDeny)) return { allowed: false, reason: 'address' };
  return { allowed: true };
}
