/**
 * The VPN's kill switch from before the client starts (`bandex connect --vpn`), so nothing leaves outside the
 * tunnel even while the first path is built: loopback, the control plane the client needs to build a path
 * (bootstrap peers and the chain's RPC, resolved to IPv4 now), `--vpn-exclude`, and — once the client has
 * chosen it, before it dials — the entry hop. `startVpnClient` then replaces it with the VPN's own ruleset
 * (the same table: there is no gap), in which the control plane goes through the tunnel like everything else.
 * Recorded in the VPN state file first, so a crash leaves it for `bandex vpn down` to remove.
 */
import { lookup } from 'node:dns/promises';
import { rmSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import { type Logger, silentLogger } from '../log/logger.ts';
import { killSwitchRuleset } from './nftRules.ts';
import { VpnError } from './VpnError.ts';
import { saveVpnState, tearDownVpn, type VpnState } from './vpnState.ts';
import { runTool } from './wireguardGo.ts';

export type EarlyKillSwitch = {
  /** Lets the entry hop's hosts out as well (IPv4 literals or names, resolved now). */
  allowEntry(hosts: readonly string[]): Promise<void>;
  /** Removes it (the VPN could not come up: the host is left as it was). */
  remove(): Promise<void>;
  /**
   * The VPN is up and its own ruleset replaced this one: a later entry (a path rebuilt on another provider) is
   * let out without the control plane, which then goes through the tunnel.
   */
  handOver(): void;
};

export type StartEarlyKillSwitchParameters = {
  ifname: string;
  /** The chain's JSON-RPC URL and the libp2p bootstrap multiaddrs: reached directly until the VPN is up. */
  rpc: string;
  bootstrap: readonly string[];
  exclude: readonly string[];
  stateFile: string;
  logger?: Logger;
};

export async function startEarlyKillSwitch(p: StartEarlyKillSwitchParameters): Promise<EarlyKillSwitch> {
  const logger = (p.logger ?? silentLogger).child({ component: 'vpn' });
  const control = await ipv4Of([new URL(p.rpc).hostname, ...p.bootstrap.map(hostOfMultiaddr)]);
  const state: VpnState = { ifname: p.ifname, routes: [], killSwitch: true };
  saveVpnState(p.stateFile, state);
  let vpnUp = false;
  const apply = (entry: string[] = []) =>
    runTool(
      'nft',
      ['-f', '-'],
      killSwitchRuleset({ ifname: p.ifname, control: vpnUp ? entry : [...control, ...entry], exclude: p.exclude }),
    );
  await apply();
  logger.info({ control }, 'kill switch up before the first path: only the control plane may be reached directly');
  return {
    allowEntry: async (hosts) => {
      const entry = await ipv4Of(hosts);
      await apply(entry);
      logger.info({ entry }, 'kill switch lets the entry hop out');
    },
    remove: async () => {
      await tearDownVpn(state);
      rmSync(p.stateFile, { force: true });
    },
    handOver: () => {
      vpnUp = true;
    },
  };
}

function hostOfMultiaddr(address: string): string {
  const host = multiaddr(address)
    .getComponents()
    .find((c) => ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(c.name))?.value;
  if (!host)
    throw new VpnError(`the bootstrap address ${address} names no host`, {
      code: 'VPN_BAD_OPTION',
      details: 'use /ip4/… or /dns4/… bootstrap addresses with --vpn',
    });
  return host;
}

/** Each host's IPv4 address (a literal as is, a name resolved once). */
async function ipv4Of(hosts: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const host of hosts) {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIPv4(bare)) {
      out.add(bare);
      continue;
    }
    const found = await lookup(bare, { family: 4 }).catch(() => undefined);
    if (!found) {
      throw new VpnError(`the VPN's kill switch needs an IPv4 address for ${host}`, {
        code: 'VPN_BAD_OPTION',
        details: 'the chain RPC, the bootstrap peers and the entry hop must be reachable over IPv4',
      });
    }
    out.add(found.address);
  }
  return [...out];
}
