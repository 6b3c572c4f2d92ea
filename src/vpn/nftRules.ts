/**
 * nftables rulesets of the VPN (pure text for `nft -f -`).
 *
 * `killSwitchRuleset`, on the client: an `inet` table whose output chain drops every packet (IPv4 and
 * IPv6) except on loopback, into the tunnel interface, to the entry hop and to excluded prefixes. It is
 * a table of its own that stays when the client dies (only `bandex vpn down` or `connect --vpn`'s own
 * teardown deletes it), so a crash cannot restore direct routes.
 *
 * `gatewayRuleset`, on the exit: what VPN clients may reach is the exit policy, enforced in the kernel
 * (packets from the tunnel interface are forwarded, not opened by the provider's process): the policy's
 * denied, then allowed, then built-in non-public IPv4 ranges and ports; nothing to the provider itself
 * (input from the interface dropped) or to another client (interface to interface dropped); the rest is
 * masqueraded to the uplink.
 */
import { LOOPBACK_NETWORKS, NON_PUBLIC_NETWORKS } from '../tunnel/exitPolicy.ts';
import { formatIpv4Cidr, type Ipv4Cidr, ipv4Only } from './ipv4.ts';

export const killSwitchTable = (ifname: string) => `bandex_vpn_${ifname.replace(/-/g, '_')}`;
export const gatewayTable = (ifname: string) => `bandex_vpngw_${ifname.replace(/-/g, '_')}`;

const set = (items: readonly string[]) => `{ ${items.join(', ')} }`;

export type KillSwitchParameters = {
  ifname: string;
  /** The entry hop's IPv4 address (the Bandex client's only direct peer); unknown before the first path. */
  entry?: string;
  /**
   * Before the VPN is up: the control plane's IPv4 addresses (bootstrap peers, the chain's RPC), which the
   * client must reach to build its first path. Once the VPN is up they go through the tunnel like the rest.
   */
  control?: readonly string[];
  /** `--vpn-exclude` prefixes (IPv4): reached directly, outside the tunnel. */
  exclude: readonly string[];
};

export function killSwitchRuleset({ ifname, entry, control = [], exclude }: KillSwitchParameters): string {
  const table = killSwitchTable(ifname);
  const direct = [...new Set([...(entry ? [entry] : []), ...ipv4Only(control), ...ipv4Only(exclude)])];
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy drop;',
    '    oifname "lo" accept',
    `    oifname "${ifname}" meta nfproto ipv4 accept`,
    ...(direct.length > 0 ? [`    ip daddr ${set(direct)} accept`] : []),
    '  }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy drop;',
    `    oifname "${ifname}" meta nfproto ipv4 accept`,
    `    iifname "${ifname}" ct state established,related accept`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export type GatewayRulesParameters = {
  ifname: string;
  subnet: Ipv4Cidr;
  /** The exit policy's lists (`ExitPolicyConfig`): only their IPv4 entries matter here. */
  allow?: readonly string[];
  deny?: readonly string[];
  allowPorts?: readonly number[];
  denyPorts?: readonly number[];
};

export function gatewayRuleset(p: GatewayRulesParameters): string {
  const table = gatewayTable(p.ifname);
  const from = `iifname "${p.ifname}"`;
  const deny = ipv4Only(p.deny ?? []);
  const allow = ipv4Only(p.allow ?? []);
  const builtin = ipv4Only([...NON_PUBLIC_NETWORKS, ...LOOPBACK_NETWORKS]);
  const forward = [
    `    ${from} oifname "${p.ifname}" drop`,
    `    ${from} meta nfproto ipv6 drop`,
    ...(p.denyPorts?.length
      ? [`    ${from} meta l4proto { tcp, udp } th dport ${set(p.denyPorts.map(String))} drop`]
      : []),
    ...(p.allowPorts?.length
      ? [`    ${from} meta l4proto { tcp, udp } th dport != ${set(p.allowPorts.map(String))} drop`]
      : []),
    ...(deny.length ? [`    ${from} ip daddr ${set(deny)} drop`] : []),
    ...(allow.length ? [`    ${from} ip daddr ${set(allow)} accept`] : []),
    `    ${from} ip daddr ${set(builtin)} drop`,
  ];
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    ${from} drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    ...forward,
    '  }',
    '}',
    `table ip ${table} {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority 100; policy accept;',
    `    ip saddr ${formatIpv4Cidr(p.subnet)} oifname != "${p.ifname}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}
