/**
 * The exit's VPN service (`bandex node --vpn`): one wireguard-go interface for all of this provider's VPN
 * sessions, its own address `.1` of a private subnet, NAT (nft masquerade) to the uplink and the exit
 * policy in nftables (`gatewayRuleset`). A Bandex session — already authenticated and paying — asks for
 * a VPN on a control stream to `VPN_HOST:VPN_CONTROL_PORT`: it sends a fresh WireGuard public key and
 * gets a /32 and the gateway's key; its WireGuard datagrams then ride a UDP flow to `VPN_HOST:VPN_DATA_PORT`,
 * which the gateway hands to wireguard-go on loopback (so they are metered and paid like any flow's
 * bytes, and wireguard-go sees only 127.0.0.1: the exit never learns the client's address).
 *
 * Per session: one peer at a time (a second handshake replaces the first), one data flow at a time,
 * removed with the session. The listener's `services` hook routes the two reserved destinations here
 * before the exit policy; a session that never handshook gets its data flow refused.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { type Logger, silentLogger } from '../log/logger.ts';
import { SocksReply } from '../tunnel/constants.ts';
import type { ExitPolicyConfig } from '../tunnel/exitPolicy.ts';
import type { MuxFlow } from '../tunnel/MuxFlow.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import type { MuxStream } from '../tunnel/MuxStream.ts';
import type { Destination } from '../tunnel/muxFrame.ts';
import type { TunnelService } from '../tunnel/startTunnelListener.ts';
import { AddressPool } from './AddressPool.ts';
import {
  DEFAULT_VPN_SUBNET,
  MAX_VPN_MESSAGE_BYTES,
  RELAY_SOCKET_BUFFER_BYTES,
  VPN_CONTROL_PORT,
  VPN_DATA_PORT,
  VPN_HANDSHAKE_TIMEOUT_MS,
  VPN_HOST,
  VPN_MTU,
} from './constants.ts';
import { formatIpv4Cidr } from './ipv4.ts';
import { gatewayRuleset, gatewayTable } from './nftRules.ts';
import { readLine } from './readLine.ts';
import { decodeVpnRequest, encodeVpnGrant, encodeVpnRefusal } from './vpnMessages.ts';
import {
  createWireguardInterface,
  deleteWireguardInterface,
  peerCounters,
  runTool,
  uapiRequest,
} from './wireguardGo.ts';
import { generateWireguardKeyPair, keyToHex, type WireguardKeyPair } from './wireguardKeys.ts';

export type VpnGatewayParameters = {
  /** Interface name (default `bandexgw0`); its control socket is `/var/run/wireguard/<name>.sock`. */
  ifname?: string;
  /** Private IPv4 subnet of the sessions (default `DEFAULT_VPN_SUBNET`). */
  subnet?: string;
  /** Resolvers the clients are told to use (reached through the tunnel and this NAT). */
  dns?: string[];
  /** The provider's exit policy, enforced on forwarded packets. */
  policy?: ExitPolicyConfig;
  logger?: Logger;
};

type Peer = { publicKeyHex: string; address: string; flow?: MuxFlow; socket?: UdpSocket };

export class VpnGateway implements TunnelService {
  readonly host = VPN_HOST;
  readonly ifname: string;
  readonly pool: AddressPool;
  readonly #dns: string[];
  readonly #logger: Logger;
  readonly #peers = new Map<MuxSession, Peer>();
  #keys: WireguardKeyPair | undefined;
  #listenPort = 0;

  private constructor(params: VpnGatewayParameters) {
    this.ifname = params.ifname ?? 'bandexgw0';
    this.pool = new AddressPool(params.subnet ?? DEFAULT_VPN_SUBNET);
    this.#dns = params.dns ?? ['1.1.1.1'];
    this.#logger = (params.logger ?? silentLogger).child({ component: 'vpn-gateway' });
  }

  /** Creates the interface, its address, forwarding and the nftables table; undone by `stop()`. */
  static async start(params: VpnGatewayParameters): Promise<VpnGateway> {
    const gateway = new VpnGateway(params);
    try {
      await gateway.#up(params.policy ?? {});
    } catch (error) {
      await gateway.stop();
      throw error;
    }
    return gateway;
  }

  async #up(policy: ExitPolicyConfig): Promise<void> {
    const { ifname } = this;
    this.#keys = generateWireguardKeyPair();
    await createWireguardInterface(ifname);
    await uapiRequest(ifname, `set=1\nprivate_key=${keyToHex(this.#keys.privateKey)}\nlisten_port=0\n`);
    this.#listenPort = Number((await uapiRequest(ifname, 'get=1\n')).get('listen_port')?.[0] ?? 0);
    const prefix = this.pool.subnet.prefix;
    await runTool('ip', ['address', 'add', `${this.pool.gateway}/${prefix}`, 'dev', ifname]);
    await runTool('ip', ['link', 'set', 'dev', ifname, 'mtu', String(VPN_MTU), 'up']);
    // Forwarding in this network namespace (the packets of VPN clients are routed to the uplink).
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
    await runTool(
      'nft',
      ['-f', '-'],
      gatewayRuleset({
        ifname,
        subnet: this.pool.subnet,
        allow: policy.allow,
        deny: policy.deny,
        allowPorts: policy.allowPorts,
        denyPorts: policy.denyPorts,
      }),
    );
    this.#logger.info({ ifname, subnet: formatIpv4Cidr(this.pool.subnet) }, 'VPN gateway up');
  }

  /** Sessions with a VPN peer now. */
  get peers(): number {
    return this.#peers.size;
  }

  /** WireGuard's own per-peer counters (what Sentinel and Mysterium bill from; here a cross-check). */
  counters(): Promise<Map<string, { rx: number; tx: number }>> {
    return peerCounters(this.ifname);
  }

  onOpen(session: MuxSession, stream: MuxStream, destination: Destination): void {
    if (destination.port !== VPN_CONTROL_PORT) {
      session.answerOpen(stream, SocksReply.connectionRefused);
      return;
    }
    session.answerOpen(stream, SocksReply.succeeded);
    void this.#handshake(session, stream);
  }

  onFlow(session: MuxSession, flow: MuxFlow, destination: Destination): void {
    const peer = this.#peers.get(session);
    if (destination.port !== VPN_DATA_PORT || !peer) {
      session.answerFlow(flow, SocksReply.notAllowedByRuleset);
      return;
    }
    this.#detachFlow(peer);
    const socket = createSocket({
      type: 'udp4',
      recvBufferSize: RELAY_SOCKET_BUFFER_BYTES,
      sendBufferSize: RELAY_SOCKET_BUFFER_BYTES,
    });
    socket.on('error', () => {});
    socket.connect(this.#listenPort, '127.0.0.1', () => {
      if (flow.closed || this.#peers.get(session) !== peer) {
        socket.close();
        return;
      }
      peer.flow = flow;
      peer.socket = socket;
      socket.on('message', (message) => flow.send(message));
      flow.on('datagram', (payload) => socket.send(payload));
      flow.once('close', () => {
        if (peer.flow === flow) this.#detachFlow(peer);
      });
      session.answerFlow(flow, SocksReply.succeeded);
    });
  }

  async #handshake(session: MuxSession, stream: MuxStream): Promise<void> {
    stream.on('error', () => {});
    let address: string | undefined;
    try {
      const request = decodeVpnRequest(await readLine(stream, MAX_VPN_MESSAGE_BYTES, VPN_HANDSHAKE_TIMEOUT_MS));
      if (session.closed) return;
      const old = this.#peers.get(session);
      if (old) await this.#removePeer(session, old);
      address = this.pool.take();
      const publicKeyHex = keyToHex(request.publicKey);
      const peer: Peer = { publicKeyHex, address };
      this.#peers.set(session, peer);
      await uapiRequest(
        this.ifname,
        `set=1\npublic_key=${publicKeyHex}\nreplace_allowed_ips=true\nallowed_ip=${address}/32\n`,
      );
      if (session.closed) {
        await this.#removePeer(session, peer);
        return;
      }
      if (!old) session.once('close', () => void this.#removePeer(session, this.#peers.get(session)));
      const keys = this.#keys as WireguardKeyPair;
      stream.end(encodeVpnGrant({ publicKey: keys.publicKey, address, dns: this.#dns, mtu: VPN_MTU }));
      this.#logger.info({ address }, 'VPN peer added');
    } catch (error) {
      if (address && !this.#peers.has(session)) this.pool.release(address);
      this.#logger.debug({ err: error }, 'VPN handshake refused');
      if (!stream.destroyed) stream.end(encodeVpnRefusal((error as Error).message));
    }
  }

  #detachFlow(peer: Peer): void {
    const { flow, socket } = peer;
    peer.flow = undefined;
    peer.socket = undefined;
    socket?.close();
    flow?.close();
  }

  async #removePeer(session: MuxSession, peer: Peer | undefined): Promise<void> {
    if (!peer || this.#peers.get(session) !== peer) return;
    this.#peers.delete(session);
    this.#detachFlow(peer);
    this.pool.release(peer.address);
    await uapiRequest(this.ifname, `set=1\npublic_key=${peer.publicKeyHex}\nremove=true\n`).catch((error) =>
      this.#logger.warn({ err: error }, 'removing a VPN peer failed'),
    );
  }

  /** Removes the interface (wireguard-go exits with it) and the nftables table. */
  async stop(): Promise<void> {
    for (const [session, peer] of this.#peers) {
      this.#peers.delete(session);
      this.#detachFlow(peer);
    }
    const table = gatewayTable(this.ifname);
    await runTool('nft', ['delete', 'table', 'inet', table]).catch(() => {});
    await runTool('nft', ['delete', 'table', 'ip', table]).catch(() => {});
    await deleteWireguardInterface(this.ifname);
  }
}
