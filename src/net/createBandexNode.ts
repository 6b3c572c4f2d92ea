/**
 * The control-plane libp2p node of every Bandex daemon: TCP and WebSocket transports,
 * Noise, Yamux, identify, ping, a private Kademlia DHT (`/bandex/kad/1.0.0`), gossipsub
 * for offers, circuit relay v2 (as a transport always, as a server on relay nodes),
 * DCUtR hole punching and AutoNAT. The data plane does not run over it.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { autoNAT } from '@libp2p/autonat';
import { bootstrap as bootstrapDiscovery } from '@libp2p/bootstrap';
import { type CircuitRelayService, circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import { DHT_PROTOCOL, PING_MAX_STREAMS, PROVIDER_RECORD_NAMESPACE } from './constants.ts';
import { NodeStartError } from './errors.ts';
import { isPrivateMultiaddr } from './isPrivateMultiaddr.ts';
import { selectProviderRecord, validateProviderRecord } from './providerRecord.ts';

/** Loopback, for `connectionManager.allow` when every peer is this machine. */
const LOOPBACK = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'];
/** The loopback addresses peers on one machine connect from (gossipsub's colocation whitelist takes addresses). */
const LOOPBACK_IPS = ['127.0.0.1', '::1'];

export type BandexServices = {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSub;
  autoNAT: unknown;
  dcutr: unknown;
  /** Present when the node was created with `relay: true`. */
  relay?: CircuitRelayService;
};

export type BandexNode = Libp2p<BandexServices>;

export type CreateBandexNodeParameters = {
  /** The persisted Ed25519 key (`loadOrCreatePeerKey`). */
  privateKey: PrivateKey;
  /**
   * Listen multiaddrs, e.g. `/ip4/0.0.0.0/tcp/4001`, `/ip4/0.0.0.0/tcp/4002/ws`; a node
   * behind NAT adds `/p2p-circuit` (any relay) or `<relay multiaddr>/p2p-circuit`.
   */
  listen: string[];
  /** Bootstrap multiaddrs with `/p2p/<id>`; dialled at start and kept tagged. */
  bootstrap: string[];
  /** `provider` nodes (and relays) may become DHT servers; `client` nodes stay DHT clients. Default `client`. */
  role?: 'client' | 'provider';
  /** Run a circuit relay v2 server (for bootstrap/relay nodes with a public address). */
  relay?: boolean;
  /** Addresses to advertise instead of the listen addresses (public IP / DNS behind port forwarding). */
  announce?: string[];
  /**
   * Allow dialling and advertising loopback/private addresses and force DHT server mode
   * for providers and relays (tests, the one-machine devnet, LAN namespaces). Default false:
   * private addresses are neither dialled nor put into the DHT routing table.
   */
  allowPrivateAddresses?: boolean;
  /**
   * Peers this node neither dials nor accepts (read at every connection attempt, so it may change):
   * a client's non-entry hops, which must never see its address or peer id.
   */
  denyPeers?: ReadonlySet<string>;
  /**
   * Connect to the bootstrap peers only: no dial to any other peer and no inbound connection. A client's
   * node needs nothing else (offers and reports reach it by gossip through them), and so no provider but
   * its bootstrap nodes ever learns its peer id or address from it.
   */
  bootstrapOnly?: boolean;
  logger?: Logger;
  /** Cancels start-up only; stop a started node with `node.stop()`. */
  signal?: AbortSignal;
};

/**
 * Creates and starts the node.
 *
 * @throws {NodeStartError} `NET_NODE_START_FAILED` if a listen address cannot be bound.
 * @example
 * const node = await createBandexNode({ privateKey, listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap, role: 'provider', signal })
 * try { ... } finally { await node.stop() }
 */
export async function createBandexNode(params: CreateBandexNodeParameters): Promise<BandexNode> {
  const { privateKey, listen, bootstrap, announce, signal } = params;
  const role = params.role ?? 'client';
  const allowPrivate = params.allowPrivateAddresses ?? false;
  const log = (params.logger ?? silentLogger).child({ module: 'net' });
  signal?.throwIfAborted();

  const services = {
    identify: identify(),
    ping: ping({ maxInboundStreams: PING_MAX_STREAMS, maxOutboundStreams: PING_MAX_STREAMS }),
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      clientMode: role === 'client' && !params.relay,
      peerInfoMapper: allowPrivate ? passthroughMapper : removePrivateAddressesMapper,
      validators: { [PROVIDER_RECORD_NAMESPACE]: validateProviderRecord },
      selectors: { [PROVIDER_RECORD_NAMESPACE]: selectProviderRecord },
    }),
    pubsub: gossipsub({
      allowPublishToZeroTopicPeers: true,
      // Gossipsub lowers the score of every peer once more than 10 share an IP address; on one machine (the
      // devnet, tests) every peer is 127.0.0.1, and with its auditors and clients a devnet can pass 10 peers:
      // every mesh would empty and no report would travel.
      ...(allowPrivate ? { scoreParams: { IPColocationFactorWhitelist: new Set(LOOPBACK_IPS) } } : {}),
    }),
    autoNAT: autoNAT(),
    dcutr: dcutr(),
    ...(params.relay ? { relay: circuitRelayServer() } : {}),
  };

  let node: BandexNode;
  try {
    node = (await createLibp2p({
      start: false,
      privateKey,
      nodeInfo: { name: 'bandex' },
      addresses: { listen, ...(announce?.length ? { announce } : {}) },
      transports: [tcp(), webSockets(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: bootstrap.length > 0 ? [bootstrapDiscovery({ list: bootstrap })] : [],
      connectionGater: {
        denyDialMultiaddr: allowPrivate ? () => false : (ma) => isPrivateMultiaddr(ma),
        ...peersGater(params.denyPeers ?? new Set(), params.bootstrapOnly ? bootstrapPeerIds(bootstrap) : undefined),
      },
      // libp2p refuses more than 5 inbound connections a second from one host; on one machine (the devnet,
      // tests) every peer is that host, and a provider that several auditors, clients and providers dial
      // at start would reset the connection of the sixth.
      ...(allowPrivate ? { connectionManager: { allow: LOOPBACK } } : {}),
      services,
    })) as BandexNode;
  } catch (cause) {
    throw new NodeStartError(cause instanceof Error ? cause.message : String(cause), listen, cause);
  }

  try {
    await node.start();
    signal?.throwIfAborted();
    if (allowPrivate && (role === 'provider' || params.relay)) await node.services.dht.setMode('server', { signal });
  } catch (cause) {
    await Promise.resolve(node.stop()).catch(() => {});
    if (signal?.aborted) throw cause;
    throw new NodeStartError(cause instanceof Error ? cause.message : String(cause), listen, cause);
  }
  log.info({ peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String), role }, 'libp2p node started');
  return node;
}

/**
 * Gater rules: no connection to or from `denied` peers (checked once they are authenticated) and, with
 * `only`, no dial to a peer outside it and no inbound connection at all.
 */
function peersGater(denied: ReadonlySet<string>, only: ReadonlySet<string> | undefined) {
  const deny = (peer: PeerId) => denied.has(peer.toString()) || (only !== undefined && !only.has(peer.toString()));
  return {
    denyDialPeer: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundEncryptedConnection: deny,
    ...(only ? { denyInboundConnection: () => true } : {}),
  };
}

/** The peer ids named by `/p2p/<id>` in bootstrap multiaddrs. */
function bootstrapPeerIds(bootstrap: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const address of bootstrap) {
    // The last /p2p/ component: a relayed address names the relay first, then the peer.
    const id = multiaddr(address)
      .getComponents()
      .filter((c) => c.name === 'p2p')
      .at(-1)?.value;
    if (id) ids.add(id);
  }
  return ids;
}
