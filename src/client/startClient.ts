/**
 * The client daemon (`bandex connect`): buys bandwidth. This file only wires its parts, each started
 * in order and stopped in reverse (`daemon/component.ts`):
 *
 * | part | what it does |
 * |---|---|
 * | `ChannelStore` | the client's channels and vouchers (`<stateDir>/client.db`) |
 * | `joinAsClient` | libp2p node, providers' offers (`OfferDirectory`), audit gossip → `ReputationBook` |
 * | `ChannelSettler` | ended channels: co-signed closes not yet on chain submitted, unilateral ones settled |
 * | `PathManager` | builds the paid path of 1–3 providers, pings it, fails over, rebuilds; closes its channels cooperatively at stop |
 * | SOCKS5 and HTTP fronts | localhost proxies opening streams through the path |
 * | `startDaemonApi` | status, metrics (`client/metrics.ts`), events, `/api/providers`, rebuild |
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Address, LocalAccount } from 'viem';
import { DEFAULT_CREDIT_BYTES } from '../accounting/constants.ts';
import type { ApiServer } from '../api/startApiServer.ts';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { readRegistryParameter } from '../chain/actions/readRegistryParameter.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { createSerialWrites } from '../chain/serialWrites.ts';
import { ComponentStack } from '../daemon/component.ts';
import { joinAsClient } from '../daemon/joinAsClient.ts';
import { networkViewReader } from '../daemon/readNetworkView.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { verifyBridgeLine } from '../net/bridgeLine.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { OfferDirectory } from '../net/OfferDirectory.ts';
import { parseEndpoint } from '../net/parseEndpoint.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { type ChannelFunder, createWalletFunder } from '../session/ChannelFunder.ts';
import { withRelays } from '../session/withRelays.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import type { TransportName } from '../transport/transportSpec.ts';
import type { OpenTunnelFlow, OpenTunnelStream, ProxyServer } from '../tunnel/frontTypes.ts';
import { startHttpProxyServer } from '../tunnel/startHttpProxyServer.ts';
import { startSocksServer } from '../tunnel/startSocksServer.ts';
import { BridgeBook } from './BridgeBook.ts';
import { ChannelSettler } from './ChannelSettler.ts';
import { ClientError } from './ClientError.ts';
import { EquivocationReporter } from './EquivocationReporter.ts';
import {
  type ClientStatus,
  clientMetrics,
  clientStatus,
  detectClientChanges,
  type HopStatus,
  knownReputation,
  offerViews,
  paymentLagBytes,
} from './metrics.ts';
import { PathManager } from './PathManager.ts';
import type { RegionPolicy } from './selectPath.ts';
import { waitForOffers } from './waitForOffers.ts';

export { ClientError } from './ClientError.ts';
export { PING_INTERVAL_MS, STALL_TIMEOUT_MS } from './PathManager.ts';
export type { ClientStatus, HopStatus };

export type StartClientParameters = {
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  /** Providers per path, 1 to 3. */
  hops: number;
  /**
   * How hop 1 may connect, in order of preference (`--transport`); `plain` by default, the bridge's
   * transports when `bridges` are given.
   */
  transports?: TransportName[];
  /**
   * Bridge lines (`bandex connect --bridge`, docs/transports.md "Bridges"): transports a provider handed out
   * privately. The first bridge's provider is hop 1 (before `prefer`), reached over the line's transports.
   */
  bridges?: string[];
  /** Try a direct (hole-punched) connection to a NATed first hop before relaying (docs/nat.md); default true. */
  holePunch?: boolean;
  /** Providers to use first, in path order (otherwise the best ranked). */
  prefer?: Address[];
  /** Countries (ISO 3166 alpha-2) traffic may or may not go through. */
  regions?: RegionPolicy;
  /** RBT wei deposited in each new channel. */
  depositWei: bigint;
  /** Most this client promises on any one channel (a spending cap); the deposit when unset. */
  budgetWei?: bigint;
  /** Priority premium in basis points (0 to 10,000): every byte costs price × (1 + premiumBps / 10,000),
   * and providers give the session more weight when their capacity is contended. */
  premiumBps?: number;
  creditBytes?: number;
  host?: string;
  socksPort?: number;
  httpPort?: number;
  apiPort?: number;
  socksCredentials?: { username: string; password: string };
  allowPrivateAddresses?: boolean;
  /** The local address the tunnel socket to the entry hop binds to (the system's choice when unset). */
  tunnelLocalAddress?: string;
  /**
   * Called with the entry hop's hosts (its tunnel endpoint and its transports') before the client dials it:
   * the VPN's early kill switch lets them out (`vpn/startEarlyKillSwitch.ts`).
   */
  beforeEntry?: (hosts: string[]) => Promise<void>;
  /**
   * Who funds each hop key's channel: the wallet by default (`openFor`, refunds to the wallet: the chain links
   * them), or a shielded-pool funder (`createPoolFunder`: a membership proof, submitted by a relayer).
   */
  funder?: ChannelFunder;
  logger?: Logger;
};

export type Client = {
  address: Address;
  socks: ProxyServer;
  http: ProxyServer;
  api: ApiServer;
  node: BandexNode;
  directory: OfferDirectory;
  store: ChannelStore;
  /** Every hop's checkpoint receipts, signed by this client and countersigned by the provider. */
  receipts: ReceiptStore;
  /** Equivocation evidence submitted to the registry. */
  equivocations: EquivocationReporter;
  /** Auditors' reports heard and the client's own observations. */
  book: ReputationBook;
  status(): ClientStatus;
  /** Opens streams and UDP flows through the current path (what the fronts use; the VPN too). */
  openStream: OpenTunnelStream;
  openFlow: OpenTunnelFlow;
  /** The entry hop's address as this client reached it (undefined before a path is built). */
  entryAddress(): string | undefined;
  /** Builds the path now (otherwise the first proxied connection does). */
  connect(): Promise<void>;
  stop(): Promise<void>;
};

export async function startClient(params: StartClientParameters): Promise<Client> {
  const { client, deployment, stateDir } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'client' });
  if (params.hops < 1 || params.hops > 3) {
    throw new ClientError(`a path has 1 to 3 hops, not ${params.hops}`, { code: 'CLIENT_BAD_HOPS' });
  }
  if (client.account.type !== 'local') {
    throw new ClientError('the client needs a local signing key', { code: 'CLIENT_NO_LOCAL_KEY' });
  }
  const account = client.account as LocalAccount;
  const address = account.address;
  // Bridge lines are checked before anything starts: a forged or stale line is the user's to fix.
  const bridges = new BridgeBook(
    await Promise.all((params.bridges ?? []).map((line) => verifyBridgeLine(line, { chainId: deployment.chainId }))),
    logger,
  );
  const prefer = bridges.size > 0 ? [...bridges.providers().slice(0, 1), ...(params.prefer ?? [])] : params.prefer;
  const transports = params.transports ?? (bridges.size > 0 ? bridges.policy() : undefined);
  // Operator surface (src/api): events for the dashboard's stream, errors by code for /metrics.
  const telemetry = new Telemetry();
  const parts = new ComponentStack();
  try {
    const db = openDatabase({ file: join(stateDir, 'client.db') });
    const store = parts.running(new ChannelStore(db), (s) => s.close());
    // Receipts share the state database (the channel store closes it).
    const receipts = new ReceiptStore(db);
    const serialWrites = createSerialWrites();
    const equivocations = new EquivocationReporter({
      client,
      registry: deployment.contracts.registry,
      serialWrites,
      logger,
    });
    const minStakeWei = await readRegistryParameter(client, { deployment, name: 'minStake' });
    // The current path's hops after the entry: the node never connects to them (they must not learn its peer id or address).
    const laterHops = new Set<string>();
    // It connects to its bootstrap nodes only and accepts no connection: no other provider learns its peer id or address.
    const { node, directory, book, gossip } = await joinAsClient({
      ...params,
      minStakeWei,
      denyPeers: laterHops,
      bootstrapOnly: true,
      logger,
    });
    // Stopped in reverse: the audit gossip and the offer directory before the node they run on.
    parts.running(node, (n) => n.stop());
    parts.running(directory, (d) => d.stop());
    parts.running(gossip, (g) => g.stop());
    const funder = params.funder ?? createWalletFunder({ client, deployment, logger });
    // Its ended channels: co-signed closes not yet on chain submitted, unilateral ones settled when due.
    await parts.add(new ChannelSettler({ client, deployment, store, funder, serialWrites, logger }));
    const paths = await parts.add(
      new PathManager({
        hops: params.hops,
        prefer,
        regions: params.regions,
        builder: {
          client,
          deployment,
          account,
          store,
          localAddress: params.tunnelLocalAddress,
          funder,
          receipts,
          onEquivocation: (evidence) => void equivocations.report(evidence),
          transports,
          bridgeTransports: (provider, key) => bridges.transportsFor(provider, key),
          holePunch: params.holePunch,
          serialWrites,
          depositWei: params.depositWei,
          budgetWei: params.budgetWei,
          premiumBps: params.premiumBps,
          creditBytes: params.creditBytes ?? DEFAULT_CREDIT_BYTES,
          // A provider behind NAT is reached through the relay its offer names (docs/nat.md).
          relayOf: (relay) => directory.get(relay),
          logger,
        },
        offers: () => waitForOffers({ client, deployment, directory, hops: params.hops, prefer }),
        onPathChosen: async (chosen) => {
          // The path as it will be built: a provider behind NAT has its relay before it (docs/nat.md).
          const offers = withRelays(chosen, (relay) => directory.get(relay));
          laterHops.clear();
          for (const o of offers.slice(1)) laterHops.add(o.offer.peerId);
          for (const peer of laterHops)
            for (const c of node.getConnections())
              if (c.remotePeer.toString() === peer) void c.close().catch(() => c.abort(new Error('later hop')));
          const entry = offers[0]?.offer;
          if (entry && params.beforeEntry) {
            const bridged = bridges.transportsFor(entry.provider, entry.tunnelPublicKey);
            const hosts = [...entry.endpoints, ...[...entry.transports, ...bridged].map((t) => t.endpoint)]
              .map((e) => parseEndpoint(e)?.host)
              .filter((h): h is string => h !== undefined);
            await params.beforeEntry([...new Set(hosts)]);
          }
        },
        book,
        telemetry,
        logger,
      }),
    );
    const { openStream, openFlow } = paths;
    const host = params.host ?? '127.0.0.1';
    const socks = parts.running(
      await startSocksServer({
        openStream,
        openFlow,
        host,
        port: params.socksPort ?? 0,
        credentials: params.socksCredentials,
      }),
      (s) => s.close(),
    );
    const http = parts.running(await startHttpProxyServer({ openStream, host, port: params.httpPort ?? 0 }), (s) =>
      s.close(),
    );
    const status = () => clientStatus(address, paths);
    const reputation = () => knownReputation(book, directory.list());
    const api = parts.running(
      await startDaemonApi({
        role: 'client',
        address,
        stateDir,
        host,
        port: params.apiPort ?? 0,
        logger,
        status,
        telemetry,
        detect: detectClientChanges,
        metrics: () => clientMetrics(status(), paymentLagBytes(paths.current), telemetry, reputation()),
        sources: { network: { read: networkViewReader(client, deployment), intervalMs: 5_000 } },
        routes: {
          '/api/providers': () => offerViews(directory.list(), reputation()),
          // Spends money (may open channels): the router requires the API token for POST.
          'POST /api/path/rebuild': async () => {
            await paths.rebuild();
            telemetry.publish('path-rebuilt', { hops: status().path.map((h) => h.provider) });
            return status();
          },
        },
      }),
      (a) => a.close(),
    );
    logger.info({ socks: socks.address, http: http.address, api: api.url }, 'client started');
    return {
      address,
      socks,
      http,
      api,
      node,
      directory,
      store,
      receipts,
      equivocations,
      book,
      status,
      openStream,
      openFlow,
      entryAddress: () => {
        // `plain` hands the socket itself to the channel; `obfs` and `wss` a framed stream over one.
        const transport = paths.current?.session.hops[0]?.channel.transport as
          | (Partial<Socket> & { socket?: Socket })
          | undefined;
        return transport?.remoteAddress ?? transport?.socket?.remoteAddress;
      },
      connect: async () => {
        await paths.ensurePath();
      },
      stop: () => parts.stop(),
    };
  } catch (error) {
    await parts.stop().catch((stopError: unknown) => logger.warn({ err: stopError }, 'stopping after a failed start'));
    throw error;
  }
}
