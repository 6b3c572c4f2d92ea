/**
 * The client side of `bandex connect --vpn` (`docs/vpn.md`). Through the paid path it runs the VPN
 * handshake with the exit (a fresh WireGuard key pair per session, made here), then:
 *
 * 1. starts a wireguard-go interface whose only peer is the exit's key at endpoint 127.0.0.1:<relay>, a
 *    UDP socket of this process that carries every WireGuard datagram over one UDP flow of the path
 *    (so each one is metered and paid, and WireGuard's own packets never leave this host directly);
 * 2. routes 0.0.0.0/1 and 128.0.0.0/1 into the interface, keeping the entry hop and `--vpn-exclude`
 *    prefixes on their old routes;
 * 3. installs the kill switch (`killSwitchRuleset`): nothing but loopback, the tunnel, the entry hop and
 *    the exclusions leaves, IPv6 included — and the table stays if this process dies;
 * 4. points the resolver file at the exit's resolvers (reached through the tunnel).
 *
 * Every change is recorded in the state file first (`vpnState.ts`); `stop()` undoes them.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { OpenTunnelFlow, OpenTunnelStream } from '../tunnel/frontTypes.ts';
import type { MuxFlow } from '../tunnel/MuxFlow.ts';
import {
  MAX_VPN_MESSAGE_BYTES,
  RELAY_SOCKET_BUFFER_BYTES,
  VPN_CONTROL_PORT,
  VPN_DATA_PORT,
  VPN_HANDSHAKE_TIMEOUT_MS,
  VPN_HOST,
  VPN_KEEPALIVE_S,
} from './constants.ts';
import { formatIpv4Cidr, parseIpv4Cidr } from './ipv4.ts';
import { killSwitchRuleset } from './nftRules.ts';
import { readLine } from './readLine.ts';
import { VpnError } from './VpnError.ts';
import { decodeVpnGrant, encodeVpnRequest, type VpnGrant } from './vpnMessages.ts';
import { saveVpnState, tearDownVpn, type VpnState } from './vpnState.ts';
import { createWireguardInterface, runTool, uapiRequest } from './wireguardGo.ts';
import { generateWireguardKeyPair, keyToHex } from './wireguardKeys.ts';

export type StartVpnClientParameters = {
  openStream: OpenTunnelStream;
  openFlow: OpenTunnelFlow;
  /** The entry hop's IPv4 address (the only direct destination the kill switch lets through). */
  entry: string;
  ifname: string;
  /** Prefixes reached directly, outside the tunnel (`--vpn-exclude`). */
  exclude?: string[];
  /** Resolvers to use instead of the exit's. */
  dns?: string[];
  /** The resolver file to point at the tunnel's resolvers (default /etc/resolv.conf); null leaves DNS alone. */
  resolvConf?: string | null;
  /** Where the changes are recorded (`vpnStateFile(stateDir)`). */
  stateFile: string;
  logger?: Logger;
};

export type VpnClient = {
  ifname: string;
  grant: VpnGrant;
  /** The data flow's counters (WireGuard datagrams each way, as paid). */
  flow: MuxFlow;
  /** Undoes everything (DNS, routes, interface, kill switch). */
  stop(): Promise<void>;
};

export async function startVpnClient(params: StartVpnClientParameters): Promise<VpnClient> {
  const { ifname, entry, stateFile } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'vpn' });
  const exclude = (params.exclude ?? []).map((c) => formatIpv4Cidr(parseIpv4Cidr(c)));
  const keys = generateWireguardKeyPair();

  // The handshake, inside the paid tunnel: the exit learns a fresh key, never this host's address.
  const control = await params.openStream({ host: VPN_HOST, port: VPN_CONTROL_PORT }, { early: false });
  control.on('error', () => {});
  control.write(encodeVpnRequest({ publicKey: keys.publicKey }));
  const grant = decodeVpnGrant(await readLine(control, MAX_VPN_MESSAGE_BYTES, VPN_HANDSHAKE_TIMEOUT_MS));
  control.destroy();
  const dns = params.dns && params.dns.length > 0 ? params.dns : grant.dns;

  const state: VpnState = { ifname, routes: [], killSwitch: false };
  const record = () => saveVpnState(stateFile, state);
  record();
  // Bursts of a TCP download arrive faster than one event-loop turn: room for them, not drops.
  const relay = createSocket({
    type: 'udp4',
    recvBufferSize: RELAY_SOCKET_BUFFER_BYTES,
    sendBufferSize: RELAY_SOCKET_BUFFER_BYTES,
  });
  relay.on('error', () => {});
  let flow: MuxFlow | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.bind(0, '127.0.0.1', () => resolve());
    });
    flow = await params.openFlow({ host: VPN_HOST, port: VPN_DATA_PORT });
    const dataFlow = flow;

    await createWireguardInterface(ifname);
    await uapiRequest(ifname, `set=1\nprivate_key=${keyToHex(keys.privateKey)}\nlisten_port=0\n`);
    const wgPort = Number((await uapiRequest(ifname, 'get=1\n')).get('listen_port')?.[0] ?? 0);
    // Only wireguard-go's own socket may send through the relay; what the exit sends goes back to it.
    relay.on('message', (message: Buffer, from: RemoteInfo) => {
      if (from.address === '127.0.0.1' && from.port === wgPort) dataFlow.send(message);
    });
    dataFlow.on('datagram', (payload) => relay.send(payload, wgPort, '127.0.0.1'));
    dataFlow.once('close', (error) =>
      logger.warn({ err: error }, 'the VPN flow closed: traffic is blocked until the VPN is restarted'),
    );
    await uapiRequest(
      ifname,
      [
        'set=1',
        `public_key=${keyToHex(grant.publicKey)}`,
        `endpoint=127.0.0.1:${relay.address().port}`,
        `persistent_keepalive_interval=${VPN_KEEPALIVE_S}`,
        'replace_allowed_ips=true',
        'allowed_ip=0.0.0.0/0',
        '',
      ].join('\n'),
    );
    await runTool('ip', ['address', 'add', `${grant.address}/32`, 'dev', ifname]);
    await runTool('ip', ['link', 'set', 'dev', ifname, 'mtu', String(grant.mtu), 'up']);

    // Direct routes first (the entry hop must stay reachable), then the tunnel's.
    for (const prefix of [`${entry}/32`, ...exclude]) {
      const route = await directRoute(prefix);
      state.routes.push(route);
      record();
      await runTool('ip', ['route', 'replace', ...route]);
    }
    state.killSwitch = true;
    record();
    await runTool('nft', ['-f', '-'], killSwitchRuleset({ ifname, entry, exclude }));
    for (const half of ['0.0.0.0/1', '128.0.0.0/1']) await runTool('ip', ['route', 'replace', half, 'dev', ifname]);

    if (params.resolvConf !== null) {
      const file = params.resolvConf ?? '/etc/resolv.conf';
      state.resolvConf = { file, original: readFileSync(file, 'utf8') };
      record();
      const servers = dns.map((d) => `nameserver ${d}\n`).join('');
      writeFileSync(
        file,
        `# written by bandex connect --vpn (restored when it stops, or by bandex vpn down)\n${servers}`,
      );
    }
  } catch (error) {
    flow?.close();
    relay.close();
    await tearDownVpn(state);
    throw error;
  }
  logger.info({ ifname, address: grant.address, dns }, 'VPN up');
  let stopped = false;
  return {
    ifname,
    grant,
    flow,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await tearDownVpn(state);
      flow?.close();
      relay.close();
      rmSync(stateFile, { force: true });
      logger.info({ ifname }, 'VPN down');
    },
  };
}

/** `ip route` arguments that send `prefix` the way its first address goes now (before the tunnel). */
async function directRoute(prefix: string): Promise<string[]> {
  const first = prefix.split('/')[0] as string;
  const [route] = JSON.parse(await runTool('ip', ['-j', 'route', 'get', first])) as {
    gateway?: string;
    dev?: string;
  }[];
  if (!route?.dev) {
    throw new VpnError(`no route to ${first}`, { code: 'VPN_TOOL_FAILED', details: 'ip route get found none' });
  }
  return [prefix, ...(route.gateway ? ['via', route.gateway] : []), 'dev', route.dev];
}
