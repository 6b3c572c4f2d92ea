/**
 * The provider daemon (`bandex node`): sells its bandwidth. The wiring of its parts, in start order:
 *
 * | part | file | what it owns |
 * |---|---|---|
 * | store | `store/ChannelStore.ts` | channels, best claims, bytes served per channel (SQLite) |
 * | ledgers | `ChannelLedgers.ts` | one `PayeeChannel` per channel, its one live session, its life on chain |
 * | charger | `SessionCharger.ts` | each paid session: charged through its channel's ledger, counted |
 * | admission | `SessionAdmission.ts`, `admitSession.ts` | which proposals are accepted, and why not |
 * | tunnel | `tunnel/startTunnelListener.ts` | the data plane: a session's proposal rides in its handshake |
 * | watcher | `watcher/ChannelWatcher.ts` | redemptions, and channel events (closing ends credit) |
 * | volume claimer | `VolumeClaimer.ts` | zero-knowledge claims of served volume after each epoch (VolumeLedger) |
 * | node | `net/` | libp2p: offers, provider records, audit gossip |
 * | gossip, offers | `reputation/AuditGossip.ts`, `net/OfferPublisher.ts` | audit reports heard, offers published |
 * | api | `api/startDaemonApi.ts`, `metrics.ts` | status, metrics, dashboard |
 *
 * Stopped in reverse order, every part even when one fails (`daemon/component.ts`).
 */
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Address, isAddressEqual, type LocalAccount } from 'viem';
import type { ApiServer } from '../api/startApiServer.ts';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { readProvider } from '../chain/actions/readProvider.ts';
import { updateProvider } from '../chain/actions/updateProvider.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { createSerialWrites } from '../chain/serialWrites.ts';
import { ComponentStack } from '../daemon/component.ts';
import { networkViewReader } from '../daemon/readNetworkView.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { NAT_RELAY_PROTOCOL, RELAY_ONLY_PROTOCOL, SUPPORTED_PROTOCOLS } from '../net/constants.ts';
import { type BandexNode, createBandexNode } from '../net/createBandexNode.ts';
import { loadOrCreatePeerKey } from '../net/loadOrCreatePeerKey.ts';
import { OfferDirectory } from '../net/OfferDirectory.ts';
import { OfferPublisher } from '../net/OfferPublisher.ts';
import type { SignedOffer } from '../net/offer.ts';
import { parseEndpoint } from '../net/parseEndpoint.ts';
import { encodePunchAnswer, isPunchRequest } from '../net/punchRequest.ts';
import { formatRelayEndpoint } from '../net/relayEndpoint.ts';
import { encodeReservationAnswer, isReservationRequest } from '../net/reservationRequest.ts';
import { joinAuditGossip } from '../reputation/AuditGossip.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import { VolumeReceiptStore } from '../store/VolumeReceiptStore.ts';
import type { TransportListenConfig } from '../transport/listenTransport.ts';
import { formatTransportParams } from '../transport/transportSpec.ts';
import { createExitPolicy, type ExitPolicyConfig } from '../tunnel/exitPolicy.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { RateLimiter } from '../tunnel/RateLimiter.ts';
import {
  type ProviderRole,
  startTunnelListener,
  type TunnelListener,
  type TunnelService,
} from '../tunnel/startTunnelListener.ts';
import { ChannelWatcher } from '../watcher/ChannelWatcher.ts';
import type { RedeemPolicy } from '../watcher/redeemPolicy.ts';
import { ChannelLedgers } from './ChannelLedgers.ts';
import { CooperativeCloser } from './CooperativeCloser.ts';
import { DEFAULT_MAX_CREDIT_BYTES } from './limits.ts';
import { loadOrCreateTunnelKey } from './loadOrCreateTunnelKey.ts';
import { detectProviderChanges, providerMetrics, providerTraffic, readPayeeChannels } from './metrics.ts';
import { NatReservation, type RelayChoice } from './NatReservation.ts';
import { type ProviderStatus, providerStatus } from './providerStatus.ts';
import { RelayReservations, type Reservation } from './RelayReservations.ts';
import { type PendingSession, SessionAdmission } from './SessionAdmission.ts';
import { SessionCharger } from './SessionCharger.ts';
import { SlashDefence } from './SlashDefence.ts';
import { VolumeClaimer } from './VolumeClaimer.ts';
import { writeBridgeLine } from './writeBridgeLine.ts';

export { DEFAULT_MAX_CREDIT_BYTES };

export class ProviderStartError extends BaseError<Record<string, unknown>> {
  override name = 'ProviderStartError';
}

export type StartProviderParameters = {
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  /** libp2p listen multiaddrs, e.g. `/ip4/0.0.0.0/tcp/4001`. */
  listen: string[];
  bootstrap: string[];
  announce?: string[];
  /** Tunnel (data plane) bind address and the host clients dial (defaults to the bind host). */
  tunnelHost?: string;
  tunnelPort?: number;
  tunnelAnnounceHost?: string;
  /** The local address the provider's outgoing tunnel connections (next hop, destinations) bind to. */
  outboundHost?: string;
  /**
   * Obfuscated transports served next to `plain`, each on its own port and listed in the signed offer;
   * `announce` (host:port) is what clients dial when it differs (a reverse proxy in front of wss).
   */
  transports?: (TransportListenConfig & { announce?: string })[];
  /**
   * Hand the obfuscated transports out privately (docs/transports.md, "Bridges"): the gossiped offer lists
   * `plain` only, and a signed bridge line with the others is written to `<stateDir>/bridge.txt` (0600).
   */
  bridge?: boolean;
  apiHost?: string;
  apiPort?: number;
  exitPolicy?: ExitPolicyConfig;
  /**
   * `exit` (default): carries CONNECT streams, UDP flows and RELAY hops. `relay-only`: RELAY hops only — it
   * never opens a connection or flow to a destination for others; its offer says so (signed), clients never
   * make it their last hop, and an exit OPEN to it is refused (`TUNNEL_OPEN_NOT_EXIT`).
   */
  role?: ProviderRole;
  maxCreditBytes?: number;
  redeemPolicy: RedeemPolicy;
  confirmations?: number;
  watcherPollMs?: number;
  /** Loopback/private libp2p addresses allowed (devnet, LAN, namespaces). */
  allowPrivateAddresses?: boolean;
  /** Most bytes per second served to all sessions together (the capacity sold); unlimited when unset. */
  rateLimitBytesPerSecond?: number;
  /**
   * The offer to sell under: where it differs from the registry, the registry is updated first (at most once per
   * epoch: `OfferUpdateTooSoon` stops the start with the wait). Offers are signed with the registry's values;
   * sessions keep the price they started with.
   */
  offer?: { priceWeiPerGiB?: bigint; region?: string; capacityBytesPerSecond?: number | bigint };
  /** Called with every paid session as it starts, with its accepted proposal (the devnet's fault modes tap it; nothing else should). */
  onSession?: (session: MuxSession, pending: PendingSession) => void;
  /** Exit-side services behind reserved names (the VPN gateway): see `startTunnelListener`. */
  services?: readonly TunnelService[];
  /**
   * Behind NAT with no inbound port (docs/nat.md): hold a reservation at a relay provider — `relay`, else
   * the first provider heard whose offer says it relays — and offer `relay:<its address>` as the only
   * endpoint, so clients reach this provider through it. Unset: the provider is public and holds
   * reservations for NATed providers itself (its offer lists `NAT_RELAY_PROTOCOL`).
   */
  behindNat?: { relay?: Address };
  logger?: Logger;
};

export type { ProviderStatus };

export type Provider = {
  address: Address;
  peerId: string;
  multiaddrs: string[];
  priceWeiPerGiB: bigint;
  api: ApiServer;
  tunnel: TunnelListener;
  node: BandexNode;
  store: ChannelStore;
  /** Every session's checkpoint receipts with both signatures (`latestFullySigned(sessionId)`: dispute evidence). */
  receipts: ReceiptStore;
  /** With `bridge`: the line to hand out and the file it is in (`<stateDir>/bridge.txt`). */
  bridge?: { line: string; file: string };
  status(): Promise<ProviderStatus>;
  stop(): Promise<void>;
};

export async function startProvider(params: StartProviderParameters): Promise<Provider> {
  const { client, deployment, stateDir } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'provider' });
  const address = client.account.address;
  let record = await readProvider(client, { deployment, provider: address });
  if (!record.registered || record.stakeWei === 0n) {
    throw new ProviderStartError(`${address} is not a registered provider with stake`, {
      code: 'PROVIDER_NOT_REGISTERED',
      details: 'register and stake first (bandex stake), then start the node again',
      meta: { address },
    });
  }
  if (params.offer && (await updateProvider(client, { deployment, ...params.offer }))) {
    logger.info(params.offer, 'offer updated in the registry');
    record = await readProvider(client, { deployment, provider: address });
  }
  const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
  const mine = peerIdFromPrivateKey(privateKey).toString();
  if (record.peerId !== undefined && mine !== record.peerId) {
    // Clients check offers against the registered peer id: refuse to run with another one.
    throw new ProviderStartError(`this node's peer id ${mine} is not the registered ${record.peerId}`, {
      code: 'PROVIDER_PEER_MISMATCH',
      details: `use the state directory whose peer.key was registered, or re-register with peer id ${mine}`,
    });
  }
  const priceWeiPerGiB = record.priceWeiPerGiB;
  const tunnelKeys = loadOrCreateTunnelKey(join(stateDir, 'tunnel.key'));
  const tunnelPublicKey = tunnelKeys.publicKey.toString('base64');
  // Operator surface (src/api): events for the dashboard's stream, errors and bytes per direction for /metrics.
  const telemetry = new Telemetry();
  const parts = new ComponentStack();
  try {
    const db = openDatabase({ file: join(stateDir, 'provider.db') });
    const store = parts.running(new ChannelStore(db), (s) => s.close());
    const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
    const ledgers = new ChannelLedgers({ store, domain, provider: address, logger });
    // Receipts share the state database (the channel store closes it).
    const receipts = new ReceiptStore(db);
    const volumeReceipts = new VolumeReceiptStore(db);
    const volumeLedger = deployment.contracts.volumeLedger;
    const epochLengthSec = BigInt(deployment.parameters?.auditEpochSec ?? '0');
    const closer = new CooperativeCloser({ client, deployment, store, ledgers, logger });
    const charger = new SessionCharger({
      consent: closer.consent,
      store,
      receipts,
      account: client.account as LocalAccount,
      registry: { chainId: deployment.chainId, registry: deployment.contracts.registry },
      ledgers,
      telemetry,
      logger,
      onSession: params.onSession,
      ...(volumeLedger && epochLengthSec > 0n
        ? {
            volume: {
              domain: { chainId: deployment.chainId, ledger: volumeLedger, epochLengthSec },
              store: volumeReceipts,
              provider: address,
            },
          }
        : {}),
    });
    const admission = new SessionAdmission({
      client,
      deployment,
      provider: address,
      priceWeiPerGiB,
      maxCreditBytes: params.maxCreditBytes ?? DEFAULT_MAX_CREDIT_BYTES,
      ledgers,
      logger,
    });
    // NAT traversal (docs/nat.md): a public provider relays for NATed ones; a NATed one reserves at a relay.
    const relays = params.behindNat
      ? undefined
      : new RelayReservations({
          chainId: deployment.chainId,
          relayKey: tunnelKeys.publicKey,
          isRegistered: async (provider) => {
            const r = await readProvider(client, { deployment, provider });
            return r.registered && r.stakeWei > 0n && !r.jailed;
          },
          logger,
        });
    const tunnel = parts.running(
      await startTunnelListener<PendingSession | Reservation>({
        staticKeys: tunnelKeys,
        limiter: params.rateLimitBytesPerSecond ? new RateLimiter(params.rateLimitBytesPerSecond) : undefined,
        host: params.tunnelHost ?? '127.0.0.1',
        role: params.role,
        services: params.services,
        port: params.tunnelPort ?? 0,
        outboundHost: params.outboundHost,
        transports: params.transports,
        // Its own addresses are no destination: a client must not reach services bound to the provider's host.
        policy: createExitPolicy({ ...params.exitPolicy, ownAddresses: ownInterfaceAddresses() }),
        logger,
        // The session proposal rides in the handshake: only an accepted (signed, funded) one gets a session.
        admit: (payload, remoteStatic, source) =>
          isPunchRequest(payload)
            ? relays
              ? relays.punch(payload, source)
              : Promise.resolve({ answer: encodePunchAnswer({ ok: false, reason: 'this provider does not relay' }) })
            : isReservationRequest(payload)
              ? relays
                ? relays.admit(payload, remoteStatic)
                : Promise.resolve({
                    answer: encodeReservationAnswer({ ok: false, reason: 'this provider does not relay' }),
                  })
              : admission.admit(payload, remoteStatic, source),
        dedicated: relays?.dedicated,
        reserved: relays?.reserved,
        // Reservations are dedicated sessions (`relays.dedicated`): only paid sessions get here.
        onSession: (session, admitted, transport) => {
          const pending = admitted as PendingSession | undefined;
          if (pending) admission.started(pending);
          charger.charge(session, pending, transport);
        },
      }),
      (t) => t.close(),
    );
    const tunnelHost = () => params.tunnelAnnounceHost ?? tunnel.address.host;
    await parts.add(
      new ChannelWatcher({
        client,
        deployment,
        store,
        policy: params.redeemPolicy,
        confirmations: params.confirmations,
        pollMs: params.watcherPollMs,
        logger,
        onChannelEvent: (event) => ledgers.onChannelEvent(event),
      }),
    );
    await parts.add(closer);
    const node = parts.running(
      await createBandexNode({
        privateKey,
        listen: params.listen,
        bootstrap: params.bootstrap,
        announce: params.announce,
        role: 'provider',
        allowPrivateAddresses: params.allowPrivateAddresses,
        logger,
      }),
      (n) => n.stop(),
    );
    const peerId = node.peerId.toString();
    const nat = params.behindNat
      ? await startNatReservation({
          node,
          client,
          deployment,
          tunnel,
          tunnelKeys,
          parts,
          logger,
          relay: params.behindNat.relay,
          outboundHost: params.outboundHost,
        })
      : undefined;
    // The audit topic: providers forward auditors' reports (clients hear them through providers)
    // and know their own reputation.
    const { book, gossip, committees } = joinAuditGossip({ node, client, deployment, logger });
    parts.running(gossip, (g) => g.stop());
    // Slashes proposed against this provider are answered with the receipts its probes' payers signed.
    await parts.add(
      new SlashDefence({
        client,
        deployment,
        domain: { chainId: deployment.chainId, registry: deployment.contracts.registry },
        provider: address,
        book,
        committees,
        findReceipt: (session) => receipts.latestFullySigned(session),
        // Its own queue: disputes are rare, and a redemption racing one for a nonce is retried by the watcher.
        serialWrites: createSerialWrites(),
        logger,
      }),
    );
    if (deployment.contracts.volumeLedger)
      await parts.add(
        new VolumeClaimer({
          client,
          account: client.account as LocalAccount,
          deployment,
          store: volumeReceipts,
          logger,
        }),
      );
    // The obfuscated transports as clients dial them: in the offer, or in the bridge line given out privately.
    const obfuscated = () =>
      tunnel.transports.map((t, i) => ({
        name: t.name,
        endpoint: params.transports?.[i]?.announce ?? formatEndpoint(tunnelHost(), t.address.port),
        params: formatTransportParams(t.spec),
      }));
    let bridge: { line: string; file: string } | undefined;
    if (params.bridge && !nat && tunnel.transports.length > 0) {
      bridge = await writeBridgeLine(stateDir, client.account as LocalAccount, {
        chainId: deployment.chainId,
        tunnelPublicKey,
        transports: obfuscated(),
      });
      logger.info({ file: bridge.file, transports: tunnel.transports.map((t) => t.name) }, 'bridge line written');
    }
    await parts.add(
      new OfferPublisher({
        node,
        account: client.account as LocalAccount,
        chainId: deployment.chainId,
        logger,
        ...(nat ? { intervalMs: NAT_OFFER_REFRESH_INTERVAL_MS } : {}),
        content: () => ({
          priceWeiPerGiB,
          region: record.region,
          capacityBytesPerSecond: record.capacityBytesPerSecond,
          endpoints: nat
            ? [formatRelayEndpoint((nat.relay ?? nat.lastRelay) as Address)]
            : [formatEndpoint(tunnelHost(), tunnel.address.port)],
          tunnelPublicKey,
          protocols: [
            ...SUPPORTED_PROTOCOLS,
            ...(params.role === 'relay-only' ? [RELAY_ONLY_PROTOCOL] : []),
            ...(relays ? [NAT_RELAY_PROTOCOL] : []),
          ],
          // Behind NAT there is nothing to dial: only the relay's RELAY stream reaches this provider.
          transports: nat
            ? []
            : [
                { name: 'plain', endpoint: formatEndpoint(tunnelHost(), tunnel.address.port), params: '' },
                ...(params.bridge ? [] : obfuscated()),
              ],
          role: params.role,
        }),
      }),
    );

    const status = providerStatus({ client, deployment, store, charger, book, address, peerId, priceWeiPerGiB });
    const api = parts.running(
      await startDaemonApi({
        role: 'provider',
        address,
        stateDir,
        host: params.apiHost,
        port: params.apiPort,
        logger,
        status,
        telemetry,
        detect: detectProviderChanges,
        metrics: async () => {
          const { paymentLagBytes } = providerTraffic(charger.live, store);
          return providerMetrics(await status(), { ...charger.traffic(), paymentLagBytes }, telemetry);
        },
        sources: { network: { read: networkViewReader(client, deployment), intervalMs: 5_000 } },
        routes: { '/api/channels': () => readPayeeChannels(client, deployment, store) },
      }),
      (a) => a.close(),
    );
    logger.info(
      { address, peerId, tunnel: `${tunnelHost()}:${tunnel.address.port}`, api: api.url },
      'provider started',
    );
    return {
      address,
      peerId,
      multiaddrs: node.getMultiaddrs().map(String),
      priceWeiPerGiB,
      api,
      tunnel,
      node,
      store,
      receipts,
      ...(bridge ? { bridge } : {}),
      status,
      stop: () => parts.stop(),
    };
  } catch (error) {
    await parts.stop().catch((stopError: unknown) => logger.warn({ err: stopError }, 'stopping after a failed start'));
    throw error;
  }
}

/**
 * A NATed provider's reservation (docs/nat.md): the offers of other providers are heard to find a relay (the
 * configured one, else any that relays and has a direct endpoint), and the reservation is held until stop.
 * Resolves once it is first held, so the first offer already names the relay.
 */
async function startNatReservation(p: {
  node: BandexNode;
  client: ChainClient;
  deployment: Deployment;
  tunnel: TunnelListener;
  tunnelKeys: ReturnType<typeof loadOrCreateTunnelKey>;
  parts: ComponentStack;
  logger: Logger;
  relay?: Address;
  outboundHost?: string;
}): Promise<{ relay: Address | undefined; lastRelay: Address | undefined }> {
  const { client, deployment, logger } = p;
  const directory = new OfferDirectory({
    chainId: deployment.chainId,
    checkProvider: (provider) => readProvider(client, { deployment, provider }),
    logger,
  });
  directory.start(p.node);
  p.parts.running(directory, (d) => d.stop());
  const relayIn = (signed: SignedOffer): RelayChoice | undefined => {
    const { offer } = signed;
    if (offer.provider === client.account.address || !offer.protocols.includes(NAT_RELAY_PROTOCOL)) return undefined;
    if (p.relay && !isAddressEqual(p.relay, offer.provider)) return undefined;
    const endpoint = offer.endpoints.map(parseEndpoint).find((e) => e !== undefined);
    if (!endpoint) return undefined;
    return { address: offer.provider, ...endpoint, publicKey: Buffer.from(offer.tunnelPublicKey, 'base64') };
  };
  const state = { relay: undefined as Address | undefined, lastRelay: undefined as Address | undefined };
  const reservation = new NatReservation({
    account: client.account as LocalAccount,
    chainId: deployment.chainId,
    staticKeys: p.tunnelKeys,
    findRelay: async (signal) => {
      for (;;) {
        const found = directory
          .list()
          .map(relayIn)
          .find((r) => r !== undefined);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, RELAY_SEARCH_POLL_MS));
        signal.throwIfAborted();
      }
    },
    accept: (stream, source) => p.tunnel.acceptTransport(stream, source),
    localAddress: p.outboundHost,
    onChange: (relay) => {
      state.relay = relay;
      if (relay) state.lastRelay = relay;
    },
    logger: logger.child({ module: 'nat' }),
  });
  await p.parts.add(reservation);
  return state;
}

/**
 * How often a NATed provider republishes its offer. Its only libp2p peer is its relay, so it never sees a new
 * subscriber (the trigger for an early republication): its offer reaches a client that has just joined only at
 * its next publication, which must come well within the client's wait for offers (30 s).
 */
const NAT_OFFER_REFRESH_INTERVAL_MS = 10_000;

/** How often a NATed provider looks for a relay among the offers heard while it has none. */
const RELAY_SEARCH_POLL_MS = 1_000;

function ownInterfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
