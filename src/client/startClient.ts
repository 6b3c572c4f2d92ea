/**
 * The client daemon (`bandex connect`): buys bandwidth. It keeps a directory of providers' offers
 * (checked against the registry) and listens to the audit topic for the auditors' reports, picks a
 * path of 1–3 providers by price, reputation, its own round-trip measurements and a region policy
 * (`selectPath`), builds it paid (`createPathBuilder`), and serves SOCKS5 and an HTTP proxy on
 * localhost plus a local status API.
 *
 * Failover: every `PING_INTERVAL_MS` each hop of the path is pinged through the tunnel (a hop's PING
 * crosses every hop before it). A path whose pings go unanswered for `STALL_TIMEOUT_MS` has stalled:
 * the first silent hop gets a bad mark in the client's own measurements (which alone puts it below
 * the selection threshold), the path is closed, and the next connection builds a new one through the
 * next-best providers — nothing is paid to the stalled hop for bytes it did not carry. A hop whose
 * audited reputation falls below the threshold is retired too: new connections go to a new path at
 * once, the old one closes when its last stream ends.
 */
import { join } from 'node:path';
import type { Address, LocalAccount } from 'viem';
import { DEFAULT_CREDIT_BYTES } from '../accounting/constants.ts';
import type { ApiServer } from '../api/startApiServer.ts';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { joinAsClient } from '../daemon/joinAsClient.ts';
import { networkViewReader } from '../daemon/readNetworkView.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { OfferDirectory } from '../net/OfferDirectory.ts';
import type { SignedOffer } from '../net/offer.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { PRIOR, SELECTION_THRESHOLD } from '../reputation/reputation.ts';
import { type BuiltPath, createPathBuilder } from '../session/buildPath.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import type { OpenTunnelStream, ProxyServer } from '../tunnel/frontTypes.ts';
import { startHttpProxyServer } from '../tunnel/startHttpProxyServer.ts';
import { startSocksServer } from '../tunnel/startSocksServer.ts';
import { type ClientStatus, clientMetrics, detectClientChanges, type HopStatus, offerViews } from './metrics.ts';
import { type RegionPolicy, selectPath } from './selectPath.ts';

/** How long to wait for enough offers before giving up on building a path. */
const OFFER_WAIT_MS = 30_000;
/** Offers are taken as complete once none has arrived for this long. */
const OFFER_SETTLE_MS = 1_500;
/** How often each hop of the path is pinged through the tunnel. */
export const PING_INTERVAL_MS = 2_000;
/** A path that answers no PING for this long has stalled. */
export const STALL_TIMEOUT_MS = 5_000;

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
  logger?: Logger;
};

export type { ClientStatus, HopStatus };

export type Client = {
  address: Address;
  socks: ProxyServer;
  http: ProxyServer;
  api: ApiServer;
  node: BandexNode;
  directory: OfferDirectory;
  store: ChannelStore;
  /** Auditors' reports heard and the client's own observations. */
  book: ReputationBook;
  status(): ClientStatus;
  /** Builds the path now (otherwise the first proxied connection does). */
  connect(): Promise<void>;
  stop(): Promise<void>;
};

type ActivePath = BuiltPath;

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
  const totals = { bytesDown: 0, bytesUp: 0, paidWei: 0n, sessions: 0, failovers: 0 };
  let blocked: string | undefined;
  // Operator surface (src/api): events for the dashboard's stream, errors by code for /metrics.
  const telemetry = new Telemetry();

  const minStakeWei = await client.readContract({
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'minStake',
  });
  const { node, directory, book, gossip } = await joinAsClient({ ...params, minStakeWei, logger });
  /** The client's own round-trip measurements (EWMA of PINGs through hop 1 … hop i), ms. */
  const rttMs = new Map<string, number>();
  const builder = createPathBuilder({
    client,
    deployment,
    account,
    node,
    store,
    depositWei: params.depositWei,
    budgetWei: params.budgetWei,
    premiumBps: params.premiumBps,
    creditBytes: params.creditBytes ?? DEFAULT_CREDIT_BYTES,
    logger,
    onBlocked: (reason) => {
      blocked = reason.message;
      telemetry.countError((reason as { code?: string }).code);
    },
  });

  /**
   * Offers known once there are enough for `n` hops (and every preferred provider) and either every
   * registered provider has offered or no new offer has arrived for `OFFER_SETTLE_MS`: a client that
   * just joined hears the offers one by one, and choosing from the first one alone would not be choosing.
   */
  const waitForOffers = async (n: number): Promise<SignedOffer[]> => {
    const deadline = Date.now() + OFFER_WAIT_MS;
    const registered = await client
      .readContract({ address: deployment.contracts.registry, abi: providerRegistryAbi, functionName: 'providerCount' })
      .then(Number, () => Number.POSITIVE_INFINITY);
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
      const settled = offers.length >= registered || Date.now() - changedAt >= OFFER_SETTLE_MS;
      if (enough && (settled || Date.now() > deadline)) return offers;
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
    const offers = selectPath(await waitForOffers(params.hops), params.hops, {
      prefer: params.prefer,
      regions: params.regions,
      reputation: book.reputation(),
      rttMs,
    });
    if (offers.length < params.hops) {
      throw new ClientError(`only ${offers.length} providers pass the region policy and the reputation threshold`, {
        code: 'CLIENT_NOT_ENOUGH_PROVIDERS',
        details: 'widen --allow-region / --deny-region, use fewer hops, or wait for better providers',
      });
    }
    let path: ActivePath;
    try {
      path = await builder.build(offers);
    } catch (error) {
      // A provider that refuses or cannot be reached counts against it in the client's own measurements.
      const provider = (error as { meta?: { provider?: Address } }).meta?.provider;
      if (provider) book.observe(provider, 0);
      throw error;
    }
    const { session, hops } = path;
    totals.sessions++;
    telemetry.publish('session-opened', { hops: hops.map((h) => h.offer.offer.provider) });
    logger.info({ hops: hops.map((h) => h.offer.offer.provider) }, 'path built');
    session.exit.once('close', () => {
      // A path that carried traffic and did not stall counts for each of its providers.
      if (!stalled.has(path) && session.exit.meter.received > 0)
        for (const h of hops) book.observe(h.offer.offer.provider, 1);
      void builder.settle(path).then(() => {
        if (stopped) return;
        for (const h of hops) totals.paidWei += h.paid.payer.promised - h.startPromised;
        totals.bytesDown += session.exit.meter.received;
        totals.bytesUp += session.exit.meter.sent;
      });
      if (current === path) current = undefined;
      retiring.delete(path);
      telemetry.publish('session-closed', { hops: hops.map((h) => h.offer.offer.provider) });
      logger.info('path closed');
    });
    return path;
  };

  let current: ActivePath | undefined;
  /** Paths replaced by a better one, closed once their last stream ends. */
  const retiring = new Set<ActivePath>();
  /** Paths given up because a hop stopped answering. */
  const stalled = new WeakSet<ActivePath>();
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

  /** Gives up `path`: new connections get a new path now; `close` ends its streams too. */
  const retire = (path: ActivePath, close: boolean) => {
    if (current === path) current = undefined;
    if (close || path.session.exit.streams.size === 0) path.session.close();
    else retiring.add(path);
  };

  // Liveness: ping every hop through the tunnel; the first hop that stops answering is the culprit.
  let pinging = false;
  const watchdog = setInterval(() => {
    for (const path of retiring) if (path.session.exit.streams.size === 0) path.session.close();
    const path = current;
    if (!path || pinging || path.session.exit.closed) return;
    pinging = true;
    void Promise.all(path.session.hops.map((hop) => hop.ping(STALL_TIMEOUT_MS)))
      .then((rtts) => {
        if (path !== current || stopped) return;
        const silent = rtts.indexOf(undefined);
        let previous = 0;
        for (const [i, rtt] of rtts.entries()) {
          if (rtt === undefined) break;
          const key = path.hops[i]?.offer.offer.provider.toLowerCase() as string;
          // The hop's own share of the round trip, smoothed.
          const own = Math.max(0, rtt - previous);
          previous = rtt;
          rttMs.set(key, 0.5 * (rttMs.get(key) ?? own) + 0.5 * own);
        }
        if (silent < 0) return;
        const culprit = path.hops[silent]?.offer.offer.provider as Address;
        book.observe(culprit, 0);
        stalled.add(path);
        totals.failovers++;
        telemetry.countError('CLIENT_PATH_STALLED');
        telemetry.publish('path-failed', { provider: culprit, reason: 'stalled' });
        logger.warn({ provider: culprit, hop: silent + 1 }, 'path stalled; moving to the next-best providers');
        retire(path, true);
      })
      .finally(() => {
        pinging = false;
      });
  }, PING_INTERVAL_MS);
  watchdog.unref();

  // Reputation: a hop the auditors now rate below the threshold is left for new connections at once.
  book.on('report', () => {
    const path = current;
    if (!path) return;
    const reputation = book.reputation();
    const bad = path.hops.find(
      (h) => (reputation.get(h.offer.offer.provider.toLowerCase()) ?? 1) < SELECTION_THRESHOLD,
    );
    if (!bad) return;
    logger.warn({ provider: bad.offer.offer.provider }, 'a hop fell below the reputation threshold; new path');
    telemetry.publish('path-failed', { provider: bad.offer.offer.provider, reason: 'reputation' });
    retire(path, false);
  });

  /** Every known provider's reputation as selection uses it (the prior for one nobody has measured). */
  const knownReputation = (): Map<string, number> => {
    const known = book.reputation();
    for (const o of directory.list()) {
      const key = o.offer.provider.toLowerCase();
      if (!known.has(key)) known.set(key, PRIOR);
    }
    return known;
  };

  const openStream: OpenTunnelStream = async (destination, options) => {
    try {
      return (await ensurePath()).session.openStream(destination, options);
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
      failovers: totals.failovers,
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
      return clientMetrics(status(), lag, telemetry, knownReputation());
    },
    sources: { network: { read: networkViewReader(client, deployment), intervalMs: 5_000 } },
    routes: {
      '/api/providers': () => offerViews(directory.list(), knownReputation()),
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
    book,
    status,
    connect: async () => {
      await ensurePath();
    },
    stop: async () => {
      stopped = true;
      clearInterval(watchdog);
      await socks.close();
      await http.close();
      const paths = [...retiring, ...(current ? [current] : [])];
      for (const path of paths) path.session.close();
      await Promise.all(paths.map((path) => builder.settle(path)));
      gossip.stop();
      directory.stop();
      await api.close();
      await node.stop();
      store.close();
    },
  };
}
