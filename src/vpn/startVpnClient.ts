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
import { generateWireguardKeyPair, keyToHex, type WireguardKeyPair } from './wireguardKeys.ts';

export type StartVpnClientParameters = {
  openStream: OpenTunnelStream;
  openFlow: OpenTunnelFlow;
  /** The entry hop's IPv4 address (the only direct destination the kill switch lets through). */
  entry: string;
  /** The entry hop's address now: after a reconnect on a new path, the kill switch follows it. */
  currentEntry?: () => string | undefined;
  ifname: string;
  /** Prefixes reached directly, outside the tunnel (`--vpn-exclude`). */
  exclude?: string[];
  /** Resolvers to use instead of the exit's. */
  dns?: string[];
  /** The resolver file to point at the tunnel's resolvers (default /etc/resolv.conf); null leaves DNS alone. */
  resolvConf?: string | null;
  /** Where the changes are recorded (`vpnStateFile(stateDir)`). */
  stateFile: string;
  /** The early kill switch is already in (`startEarlyKillSwitch`, same table): recorded as such from the start. */
  killSwitchUp?: boolean;
  logger?: Logger;
};

export type VpnClient = {
  ifname: string;
  /** The exit's grant of the current session (a reconnect replaces it). */
  readonly grant: VpnGrant;
  /** The current data flow (WireGuard datagrams each way, as paid). */
  readonly flow: MuxFlow;
  /** Undoes everything (DNS, routes, interface, kill switch). */
  stop(): Promise<void>;
};

export async function startVpnClient(params: StartVpnClientParameters): Promise<VpnClient> {
  const { ifname, entry, stateFile } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'vpn' });
  const exclude = (params.exclude ?? []).map((c) => formatIpv4Cidr(parseIpv4Cidr(c)));
  let keys = generateWireguardKeyPair();
  let grant = await handshake(params.openStream, keys);
  // Kept across reconnects: the first exit's resolvers are reached through any later path as well.
  const dns = params.dns && params.dns.length > 0 ? params.dns : grant.dns;
  let currentEntry = entry;

  // An early kill switch (`startEarlyKillSwitch`) may already be up: its table is replaced below, never absent.
  const state: VpnState = { ifname, routes: [], killSwitch: params.killSwitchUp ?? false };
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
  let wgPort = 0;
  let stopped = false;
  let reconnecting = false;
  /** Wires a data flow between the relay and the path; its close starts a reconnect. */
  const attach = (dataFlow: MuxFlow) => {
    flow = dataFlow;
    dataFlow.on('datagram', (payload) => relay.send(payload, wgPort, '127.0.0.1'));
    dataFlow.once('close', (error) => {
      if (stopped || flow !== dataFlow) return;
      logger.warn({ err: error }, 'the VPN flow closed: traffic is blocked (kill switch) while it reconnects');
      void reconnect();
    });
  };
  /** The path was lost: a new handshake (fresh keys) and flow on whatever path the client builds now. */
  const reconnect = async () => {
    if (reconnecting) return;
    reconnecting = true;
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const nextKeys = generateWireguardKeyPair();
        const next = await handshake(params.openStream, nextKeys);
        const nextFlow = await params.openFlow({ host: VPN_HOST, port: VPN_DATA_PORT });
        if (stopped) {
          nextFlow.close();
          break;
        }
        const newEntry = params.currentEntry?.();
        if (newEntry && newEntry !== currentEntry) {
          const route = await directRoute(`${newEntry}/32`);
          state.routes.push(route);
          record();
          await runTool('ip', ['route', 'replace', ...route]);
          currentEntry = newEntry;
          await runTool('nft', ['-f', '-'], killSwitchRuleset({ ifname, entry: currentEntry, exclude }));
        }
        await configurePeer(ifname, nextKeys, next, relay.address().port, true);
        if (next.address !== grant.address) {
          await runTool('ip', ['address', 'flush', 'dev', ifname]);
          await runTool('ip', ['address', 'add', `${next.address}/32`, 'dev', ifname]);
          for (const half of TUNNEL_ROUTES) await runTool('ip', ['route', 'replace', half, 'dev', ifname]);
        }
        keys = nextKeys;
        grant = next;
        attach(nextFlow);
        logger.info({ ifname, address: grant.address, attempt }, 'VPN reconnected');
        break;
      } catch (error) {
        logger.warn({ err: error, attempt }, 'VPN reconnect failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * 2 ** attempt, RECONNECT_MAX_WAIT_MS)));
      }
    }
    reconnecting = false;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.bind(0, '127.0.0.1', () => resolve());
    });
    attach(await params.openFlow({ host: VPN_HOST, port: VPN_DATA_PORT }));

    await createWireguardInterface(ifname);
    await uapiRequest(ifname, 'set=1\nlisten_port=0\n');
    wgPort = Number((await uapiRequest(ifname, 'get=1\n')).get('listen_port')?.[0] ?? 0);
    // Only wireguard-go's own socket may send through the relay; what the exit sends goes back to it.
    relay.on('message', (message: Buffer, from: RemoteInfo) => {
      if (from.address === '127.0.0.1' && from.port === wgPort) flow?.send(message);
    });
    await configurePeer(ifname, keys, grant, relay.address().port, false);
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
    for (const half of TUNNEL_ROUTES) await runTool('ip', ['route', 'replace', half, 'dev', ifname]);

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
  return {
    ifname,
    get grant() {
      return grant;
    },
    get flow() {
      return flow as MuxFlow;
    },
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

/** More specific than any default route, which stays as it was. */
const TUNNEL_ROUTES = ['0.0.0.0/1', '128.0.0.0/1'];
/** Longest wait between two reconnect attempts. */
const RECONNECT_MAX_WAIT_MS = 10_000;

/** The handshake, inside the paid tunnel: the exit learns a fresh key, never this host's address. */
async function handshake(openStream: OpenTunnelStream, keys: WireguardKeyPair): Promise<VpnGrant> {
  const control = await openStream({ host: VPN_HOST, port: VPN_CONTROL_PORT }, { early: false });
  control.on('error', () => {});
  try {
    control.write(encodeVpnRequest({ publicKey: keys.publicKey }));
    return decodeVpnGrant(await readLine(control, MAX_VPN_MESSAGE_BYTES, VPN_HANDSHAKE_TIMEOUT_MS));
  } finally {
    control.destroy();
  }
}

/** This side's key and its only peer, the exit's key at the relay (`replace` drops a previous exit). */
async function configurePeer(
  ifname: string,
  keys: WireguardKeyPair,
  grant: VpnGrant,
  relayPort: number,
  replace: boolean,
): Promise<void> {
  await uapiRequest(
    ifname,
    [
      'set=1',
      `private_key=${keyToHex(keys.privateKey)}`,
      ...(replace ? ['replace_peers=true'] : []),
      `public_key=${keyToHex(grant.publicKey)}`,
      `endpoint=127.0.0.1:${relayPort}`,
      `persistent_keepalive_interval=${VPN_KEEPALIVE_S}`,
      'replace_allowed_ips=true',
      'allowed_ip=0.0.0.0/0',
    ].join('\n'),
  );
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
