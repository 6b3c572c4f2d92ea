/**
 * The client daemon (`bandex connect`): buys bandwidth. It keeps a directory of providers' offers
 * (checked against the registry), picks a path of 1–3 providers, opens (or reuses) a payment
 * channel to each, negotiates a session with each over libp2p, builds the telescoped tunnel
 * through them, pays every hop per byte through its own channel, and serves SOCKS5 and an HTTP
 * proxy on localhost plus a local status API. A lost path is rebuilt on the next connection.
 */
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Address, formatUnits, type Hex, type LocalAccount } from 'viem';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { tickValueFor } from '../accounting/price.ts';
import { clientMetrics, detectClientChanges, offerViews } from '../api/daemonSurfaces.ts';
import { networkViewReader } from '../api/readNetworkView.ts';
import type { ApiServer } from '../api/startApiServer.ts';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { bandwidthTokenAbi } from '../chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../chain/abi/paymentChannels.ts';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { openChannel } from '../chain/openChannel.ts';
import { readProvider } from '../chain/readProvider.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { type BandexNode, createBandexNode } from '../net/createBandexNode.ts';
import { loadOrCreatePeerKey } from '../net/loadOrCreatePeerKey.ts';
import { OfferDirectory } from '../net/OfferDirectory.ts';
import type { SignedOffer } from '../net/offer.ts';
import { newSessionNonce, proposeSession } from '../net/proposeSession.ts';
import { type PaidHop, payHop } from '../session/payHop.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { type ClientSession, connectClientSession, type HopDescriptor } from '../tunnel/connectClientSession.ts';
import type { ProxyServer } from '../tunnel/frontTypes.ts';
import { startHttpProxyServer } from '../tunnel/startHttpProxyServer.ts';
import { startSocksServer } from '../tunnel/startSocksServer.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { selectPath } from './selectPath.ts';

/** Credit the client asks each hop for: 4 MiB (64 ticks) keeps a 40 ms path near 100 MB/s. */
export const DEFAULT_CREDIT_BYTES = 4 * 1024 * 1024;
/** How long to wait for enough offers before giving up on building a path. */
const OFFER_WAIT_MS = 30_000;
/** Offers are taken as complete once none has arrived for this long. */
const OFFER_SETTLE_MS = 1_500;

export class ClientError extends BaseError<Record<string, unknown>> {
  override name = 'ClientError';
}

export type StartClientParameters = {
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  /** Providers per path, 1 to 3. */
  hops: number;
  /** Providers to use first, in path order (otherwise the cheapest). */
  prefer?: Address[];
  /** RBT wei deposited in each new channel. */
  depositWei: bigint;
  /** Most this client promises on any one channel (a spending cap); the deposit when unset. */
  budgetWei?: bigint;
  creditBytes?: number;
  host?: string;
  socksPort?: number;
  httpPort?: number;
  apiPort?: number;
  socksCredentials?: { username: string; password: string };
  allowPrivateAddresses?: boolean;
  logger?: Logger;
};

export type HopStatus = {
  provider: Address;
  peerId: string;
  channelId: Hex;
  priceWeiPerGiB: bigint;
  bytesDown: number;
  bytesUp: number;
  paidWei: bigint;
  /** Local address of the client's socket to hop 1 (absent for inner hops). */
  localAddress?: string;
};

export type ClientStatus = {
  address: Address;
  bytesDown: number;
  bytesUp: number;
  paidWei: bigint;
  sessions: number;
  sessionsTotal: number;
  path: HopStatus[];
  blocked?: string;
};

export type Client = {
  address: Address;
  socks: ProxyServer;
  http: ProxyServer;
  api: ApiServer;
  node: BandexNode;
  directory: OfferDirectory;
  store: ChannelStore;
  status(): ClientStatus;
  /** Builds the path now (otherwise the first proxied connection does). */
  connect(): Promise<void>;
  stop(): Promise<void>;
};

type ActivePath = {
  session: ClientSession;
  hops: { offer: SignedOffer; channelId: Hex; paid: PaidHop; startPromised: bigint }[];
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
  const store = new ChannelStore(openDatabase({ file: join(stateDir, 'client.db') }));
  const creditBytes = params.creditBytes ?? DEFAULT_CREDIT_BYTES;
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const totals = { bytesDown: 0, bytesUp: 0, paidWei: 0n, sessions: 0 };
  let blocked: string | undefined;
  // Operator surface (src/api): events for the dashboard's stream, errors by code for /metrics.
  const telemetry = new Telemetry();

  const minStakeWei = await client.readContract({
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'minStake',
  });
  const directory = new OfferDirectory({
    chainId: deployment.chainId,
    minStakeWei,
    checkProvider: (provider) => readProvider(client, deployment, provider),
    logger,
  });
  const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
  const node = await createBandexNode({
    privateKey,
    listen: params.listen,
    bootstrap: params.bootstrap,
    role: 'client',
    allowPrivateAddresses: params.allowPrivateAddresses,
    logger,
  });
  directory.start(node);

  const promisedKey = (channelId: Hex) => `payer.promised.${channelId.toLowerCase()}`;
  const channelKey = (payee: Address) => `payer.channel.${payee.toLowerCase()}`;

  /** An open channel to `payee` with deposit left, reused across sessions; else a new one. */
  const channelTo = async (payee: Address, tickValue: bigint): Promise<{ channelId: Hex; deposit: bigint }> => {
    const known = store.getMeta(channelKey(payee)) as Hex | undefined;
    if (known) {
      const c = await client.readContract({
        address: deployment.contracts.channels,
        abi: paymentChannelsAbi,
        functionName: 'getChannel',
        args: [known],
      });
      const promised = BigInt(store.getMeta(promisedKey(known)) ?? '0');
      if (c.closesAt === 0n && c.deposit > 0n && promised + tickValue <= c.deposit) {
        return { channelId: known, deposit: c.deposit };
      }
    }
    const balance = await client.readContract({
      address: deployment.contracts.token,
      abi: bandwidthTokenAbi,
      functionName: 'balanceOf',
      args: [address],
    });
    if (balance < params.depositWei) {
      throw new ClientError(
        `opening a channel needs ${formatUnits(params.depositWei, 18)} RBT; the wallet holds ${formatUnits(balance, 18)}`,
        { code: 'CLIENT_INSUFFICIENT_RBT', details: 'buy RBT first (bandex token buy) or lower --deposit' },
      );
    }
    logger.info({ payee, deposit: params.depositWei }, 'opening a payment channel');
    const { channelId } = await openChannel({ client, deployment, payee, deposit: params.depositWei });
    store.saveChannel({
      channelId,
      role: 'payer',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: address,
      payee,
      deposit: params.depositWei,
    });
    store.setMeta(channelKey(payee), channelId);
    return { channelId, deposit: params.depositWei };
  };

  /**
   * Offers known once there are enough for `n` hops (and every preferred provider) and no new one has
   * arrived for `OFFER_SETTLE_MS`: a client that just joined hears the offers one by one, and choosing
   * from the first one alone would not be choosing.
   */
  const waitForOffers = async (n: number): Promise<SignedOffer[]> => {
    const deadline = Date.now() + OFFER_WAIT_MS;
    let known = -1;
    let changedAt = Date.now();
    for (;;) {
      const offers = directory.list();
      if (offers.length !== known) {
        known = offers.length;
        changedAt = Date.now();
      }
      const preferredMissing = (params.prefer ?? []).some(
        (p) => !offers.some((o) => o.offer.provider.toLowerCase() === p.toLowerCase()),
      );
      const enough = offers.length >= n && !preferredMissing;
      if (enough && (Date.now() - changedAt >= OFFER_SETTLE_MS || Date.now() > deadline)) return offers;
      if (!enough && Date.now() > deadline) {
        throw new ClientError(`only ${offers.length} provider offers known; a ${n}-hop path needs ${n}`, {
          code: 'CLIENT_NOT_ENOUGH_PROVIDERS',
          details: 'check the bootstrap peers, or use fewer hops',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const buildPath = async (): Promise<ActivePath> => {
    const offers = selectPath(await waitForOffers(params.hops), params.hops, { prefer: params.prefer });
    const prepared = [];
    for (const signed of offers) {
      const { offer } = signed;
      const tickValue = tickValueFor(offer.priceWeiPerGiB);
      const { channelId, deposit } = await channelTo(offer.provider, tickValue);
      const alreadyPromised = BigInt(store.getMeta(promisedKey(channelId)) ?? '0');
      const payer = new PayerChannel({
        account,
        domain,
        channelId,
        deposit,
        alreadyPromised,
        priceWeiPerGiB: offer.priceWeiPerGiB,
        budgetWei: params.budgetWei,
      });
      const staticKeys = generateStaticKeyPair();
      const answer = await proposeSession(node, peerIdFromString(offer.peerId), {
        channelId,
        payer: address,
        tickAnchor: payer.tickAnchor,
        tickValue: payer.tickValue,
        priceWeiPerGiB: offer.priceWeiPerGiB,
        creditBytes,
        chainId: deployment.chainId,
        channels: deployment.contracts.channels,
        sessionNonce: newSessionNonce(),
        clientTunnelKey: staticKeys.publicKey.toString('base64'),
      });
      if (!answer.ok) {
        throw new ClientError(`provider ${offer.provider} refused the session: ${answer.reason}`, {
          code: 'CLIENT_SESSION_REFUSED',
          meta: { refusal: answer.code },
        });
      }
      const hop: HopDescriptor = {
        host: answer.tunnel.host,
        port: answer.tunnel.port,
        publicKey: Buffer.from(answer.tunnel.publicKey, 'base64'),
        staticKeys,
      };
      prepared.push({ signed, channelId, payer, hop, alreadyPromised });
    }
    const session = await connectClientSession({ hops: prepared.map((p) => p.hop) });
    const hops: ActivePath['hops'] = [];
    for (const [i, p] of prepared.entries()) {
      const hopSession = session.hops[i];
      if (!hopSession)
        throw new ClientError('the tunnel lost a hop while the path was being built', {
          code: 'CLIENT_PATH_LOST',
          details: 'the next connection builds a new path',
        });
      const paid = await payHop({
        session: hopSession,
        payer: p.payer,
        logger: logger.child({ hop: i + 1 }),
        onBlocked: (reason) => {
          blocked = reason.message;
          telemetry.countError((reason as { code?: string }).code);
        },
        onVoucher: (amount) => store.setMeta(promisedKey(p.channelId), amount.toString()),
      });
      hops.push({ offer: p.signed, channelId: p.channelId, paid, startPromised: p.alreadyPromised });
    }
    totals.sessions++;
    telemetry.publish('session-opened', { hops: hops.map((h) => h.offer.offer.provider) });
    logger.info({ hops: hops.map((h) => h.offer.offer.provider) }, 'path built');
    const active: ActivePath = { session, hops };
    session.exit.once('close', () => {
      void Promise.all(hops.map((h) => h.paid.settled())).then(() => {
        if (stopped) return;
        for (const h of hops) {
          store.setMeta(promisedKey(h.channelId), h.paid.payer.promised.toString());
          totals.paidWei += h.paid.payer.promised - h.startPromised;
        }
        totals.bytesDown += session.exit.meter.received;
        totals.bytesUp += session.exit.meter.sent;
      });
      if (current === active) current = undefined;
      telemetry.publish('session-closed', { hops: hops.map((h) => h.offer.offer.provider) });
      logger.info('path closed');
    });
    return active;
  };

  let current: ActivePath | undefined;
  let stopped = false;
  let building: Promise<ActivePath> | undefined;
  const ensurePath = async (): Promise<ActivePath> => {
    if (current && !current.session.exit.closed) return current;
    building ??= buildPath()
      .then((path) => {
        current = path;
        return path;
      })
      .finally(() => {
        building = undefined;
      });
    return building;
  };

  const openStream = async (destination: { host: string; port: number }) => {
    try {
      return (await ensurePath()).session.openStream(destination);
    } catch (error) {
      telemetry.countError((error as { code?: string }).code);
      throw error;
    }
  };
  const host = params.host ?? '127.0.0.1';
  const socks = await startSocksServer({
    openStream,
    host,
    port: params.socksPort ?? 0,
    credentials: params.socksCredentials,
  });
  const http = await startHttpProxyServer({ openStream, host, port: params.httpPort ?? 0 });

  const status = (): ClientStatus => {
    const path = current?.hops ?? [];
    const live = current?.session;
    let paidWei = totals.paidWei;
    for (const h of path) paidWei += h.paid.payer.promised - h.startPromised;
    const first = live?.hops[0]?.channel.transport as { localAddress?: string; localPort?: number } | undefined;
    return {
      address,
      bytesDown: totals.bytesDown + (live?.exit.meter.received ?? 0),
      bytesUp: totals.bytesUp + (live?.exit.meter.sent ?? 0),
      paidWei,
      sessions: live && !live.exit.closed ? 1 : 0,
      sessionsTotal: totals.sessions,
      blocked,
      path: path.map((h, i) => ({
        provider: h.offer.offer.provider,
        peerId: h.offer.offer.peerId,
        channelId: h.channelId,
        priceWeiPerGiB: h.offer.offer.priceWeiPerGiB,
        bytesDown: h.paid.bytesDown,
        bytesUp: h.paid.bytesUp,
        paidWei: h.paid.payer.promised - h.startPromised,
        localAddress: i === 0 && first?.localPort ? `${first.localAddress}:${first.localPort}` : undefined,
      })),
    };
  };
  const api = await startDaemonApi({
    role: 'client',
    address,
    stateDir,
    host,
    port: params.apiPort ?? 0,
    logger,
    status,
    telemetry,
    detect: detectClientChanges,
    metrics: () => {
      let lag = 0;
      for (const h of current?.hops ?? []) lag += Math.max(0, h.paid.payer.bytesDelivered - h.paid.payer.bytesPaid);
      return clientMetrics(status(), lag, telemetry);
    },
    sources: { network: { read: networkViewReader(client, deployment), intervalMs: 5_000 } },
    routes: {
      '/api/providers': () => offerViews(directory.list()),
      // Spends money (may open channels): the router requires the API token for POST.
      'POST /api/path/rebuild': async () => {
        const old = current;
        current = undefined;
        old?.session.close();
        await ensurePath();
        telemetry.publish('path-rebuilt', { hops: status().path.map((h) => h.provider) });
        return status();
      },
    },
  });
  logger.info({ socks: socks.address, http: http.address, api: api.url }, 'client started');

  return {
    address,
    socks,
    http,
    api,
    node,
    directory,
    store,
    status,
    connect: async () => {
      await ensurePath();
    },
    stop: async () => {
      stopped = true;
      await socks.close();
      await http.close();
      const path = current;
      path?.session.close();
      if (path) await Promise.all(path.hops.map((h) => h.paid.settled()));
      for (const h of path?.hops ?? []) store.setMeta(promisedKey(h.channelId), h.paid.payer.promised.toString());
      directory.stop();
      await api.close();
      await node.stop();
      store.close();
    },
  };
}
