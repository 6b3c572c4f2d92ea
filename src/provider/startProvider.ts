/**
 * The provider daemon (`bandex node`): sells its bandwidth. It publishes signed offers on gossip,
 * answers session proposals after checking the payment channel on chain, serves the data plane
 * (tunnel port: exit and relay) to clients whose session it accepted, charges every session through
 * its `PayeeChannel` (credit window, durable claims), redeems what it earned with the
 * `ChannelWatcher`, and serves a local status API.
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { premiumPrice, tickValueFor } from '../accounting/price.ts';
import { sessionIdOf } from '../accounting/receipt.ts';
import type { ApiServer } from '../api/startApiServer.ts';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { paymentChannelsAbi } from '../chain/abi/paymentChannels.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { readProvider } from '../chain/readProvider.ts';
import { networkViewReader } from '../daemon/readNetworkView.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { type BandexNode, createBandexNode } from '../net/createBandexNode.ts';
import { loadOrCreatePeerKey } from '../net/loadOrCreatePeerKey.ts';
import { OfferPublisher } from '../net/OfferPublisher.ts';
import { type CheckProposal, SessionServer } from '../net/SessionServer.ts';
import { joinAuditGossip } from '../reputation/AuditGossip.ts';
import { PRIOR } from '../reputation/reputation.ts';
import { type ChargedSession, chargeSession } from '../session/chargeSession.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { createExitPolicy, type ExitPolicyConfig } from '../tunnel/exitPolicy.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { RateLimiter, weightForPremium } from '../tunnel/RateLimiter.ts';
import { startTunnelListener, type TunnelListener } from '../tunnel/startTunnelListener.ts';
import { ChannelWatcher } from '../watcher/ChannelWatcher.ts';
import type { RedeemPolicy } from '../watcher/redeemPolicy.ts';
import { loadOrCreateTunnelKey } from './loadOrCreateTunnelKey.ts';
import { detectProviderChanges, providerMetrics, providerTraffic, readPayeeChannels } from './metrics.ts';

/** Most credit a provider grants a session unless configured: 8 MiB (128 ticks). */
export const DEFAULT_MAX_CREDIT_BYTES = 8 * 1024 * 1024;
/** An accepted proposal must be followed by its tunnel connection within this time. */
const PENDING_SESSION_TTL_MS = 30_000;

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
  apiHost?: string;
  apiPort?: number;
  exitPolicy?: ExitPolicyConfig;
  maxCreditBytes?: number;
  redeemPolicy: RedeemPolicy;
  confirmations?: number;
  watcherPollMs?: number;
  /** Loopback/private libp2p addresses allowed (devnet, LAN, namespaces). */
  allowPrivateAddresses?: boolean;
  /** Most bytes per second served to all sessions together (the capacity sold); unlimited when unset. */
  rateLimitBytesPerSecond?: number;
  /**
   * Devnet fault injection (`bandex devnet --faulty blackhole`): once this many bytes have been served,
   * every session — open or new — stops being read and written (its traffic is dropped), while
   * sessions are still accepted. Never set on a real provider.
   */
  blackholeAfterBytes?: number;
  logger?: Logger;
};

export type ProviderStatus = {
  address: Address;
  peerId: string;
  priceWeiPerGiB: bigint;
  bytesServed: number;
  earnedWei: bigint;
  redeemedWei: bigint;
  stakeWei: bigint;
  sessions: number;
  sessionsTotal: number;
  creditPauses: number;
  /** Reputation from the auditors' reports heard on the audit topic (the prior until any arrive). */
  reputation: number;
};

export type Provider = {
  address: Address;
  peerId: string;
  multiaddrs: string[];
  priceWeiPerGiB: bigint;
  api: ApiServer;
  tunnel: TunnelListener;
  node: BandexNode;
  store: ChannelStore;
  status(): Promise<ProviderStatus>;
  stop(): Promise<void>;
};

type Pending = {
  channelId: Hex;
  payer: Address;
  deposit: bigint;
  creditBytes: number;
  /** The channel's priority premium (bps): the session pays `premiumPrice` and is scheduled with more weight. */
  premiumBps: number;
  expiresAt: number;
};

export async function startProvider(params: StartProviderParameters): Promise<Provider> {
  const { client, deployment, stateDir } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'provider' });
  const address = client.account.address;
  const record = await readProvider(client, deployment, address);
  if (!record.registered || record.stakeWei === 0n) {
    throw new ProviderStartError(`${address} is not a registered provider with stake`, {
      code: 'PROVIDER_NOT_REGISTERED',
      details: 'register and stake first (bandex stake), then start the node again',
      meta: { address },
    });
  }
  const priceWeiPerGiB = record.priceWeiPerGiB;
  const maxCreditBytes = params.maxCreditBytes ?? DEFAULT_MAX_CREDIT_BYTES;
  const store = new ChannelStore(openDatabase({ file: join(stateDir, 'provider.db') }));
  const tunnelKeys = loadOrCreateTunnelKey(join(stateDir, 'tunnel.key'));
  const tunnelPublicKey = tunnelKeys.publicKey.toString('base64');
  const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
  if (record.peerId !== undefined) {
    // Clients check offers against the registered peer id: refuse to run with another one.
    const mine = peerIdFromPrivateKey(privateKey).toString();
    if (mine !== record.peerId) {
      throw new ProviderStartError(`this node's peer id ${mine} is not the registered ${record.peerId}`, {
        code: 'PROVIDER_PEER_MISMATCH',
        details: `use the state directory whose peer.key was registered, or re-register with peer id ${mine}`,
      });
    }
  }

  const pending = new Map<string, Pending>();
  const charged = new Map<MuxSession, ChargedSession>();
  const totals = { bytesServed: 0, sessions: 0, pauses: 0 };
  // Operator surface (src/api): events for the dashboard's stream, errors and bytes per direction for /metrics.
  const telemetry = new Telemetry();
  const closedTraffic = { up: 0, down: 0 };
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };

  const limiter = params.rateLimitBytesPerSecond ? new RateLimiter(params.rateLimitBytesPerSecond) : undefined;
  // Devnet fault injection: a black hole keeps accepting sessions but neither reads nor writes them.
  let blackholed = false;
  const swallow = (session: MuxSession) => {
    const socket = session.channel.transport as Socket;
    socket.pause();
    socket.cork();
  };
  const liveBytes = () => {
    let served = totals.bytesServed;
    for (const c of charged.values()) served += c.bytesUp + c.bytesDown;
    return served;
  };
  const faultTimer =
    params.blackholeAfterBytes === undefined
      ? undefined
      : setInterval(() => {
          if (blackholed || liveBytes() < (params.blackholeAfterBytes as number)) return;
          blackholed = true;
          logger.warn({ after: liveBytes() }, 'devnet fault: black hole from now on');
          for (const session of charged.keys()) swallow(session);
        }, 100);
  faultTimer?.unref();

  const tunnel = await startTunnelListener({
    staticKeys: tunnelKeys,
    limiter,
    host: params.tunnelHost ?? '127.0.0.1',
    port: params.tunnelPort ?? 0,
    policy: createExitPolicy(params.exitPolicy),
    logger,
    authorize: (remoteStatic) => {
      const entry = pending.get(remoteStatic.toString('base64'));
      return entry !== undefined && entry.expiresAt > Date.now();
    },
    onSession: (session) => {
      const key = session.channel.remoteStatic.toString('base64');
      // `authorize` found this key just now, in the same turn: one accepted proposal, one session.
      const entry = pending.get(key) as Pending;
      pending.delete(key);
      const payee = new PayeeChannel({
        domain,
        channelId: entry.channelId,
        payer: entry.payer,
        deposit: entry.deposit,
        priceWeiPerGiB: premiumPrice(priceWeiPerGiB, entry.premiumBps),
        creditBytes: entry.creditBytes,
      });
      session.setWeight(weightForPremium(entry.premiumBps));
      const sessionLog = logger.child({ channelId: entry.channelId });
      if (blackholed) swallow(session);
      charged.set(
        session,
        chargeSession({
          session,
          payee,
          channelId: entry.channelId,
          store,
          creditBytes: entry.creditBytes,
          logger: sessionLog,
        }),
      );
      totals.sessions++;
      telemetry.publish('session-opened', { channelId: entry.channelId });
      // The previous hop's address (the client itself only for hop 1); destinations are never logged.
      const socket = session.channel.transport as { remoteAddress?: string; remotePort?: number };
      sessionLog.info({ remote: `${socket.remoteAddress}:${socket.remotePort}` }, 'tunnel session opened');
      session.once('close', (error) => {
        const c = charged.get(session);
        charged.delete(session);
        if (c) {
          totals.bytesServed += c.bytesUp + c.bytesDown;
          totals.pauses += c.pauses;
          closedTraffic.up += c.bytesUp;
          closedTraffic.down += c.bytesDown;
        }
        if (error) telemetry.countError(codeOf(error));
        telemetry.publish('session-closed', { channelId: entry.channelId, code: codeOf(error) });
        sessionLog.info(
          { bytesUp: c?.bytesUp, bytesDown: c?.bytesDown, paidWei: c?.payee.value, code: codeOf(error) },
          'tunnel session closed',
        );
      });
    },
  });
  const tunnelHost = params.tunnelAnnounceHost ?? tunnel.address.host;

  const checkProposal: CheckProposal = async (proposal) => {
    const refuse = (code: string, reason: string) => ({ ok: false as const, code, reason });
    if (proposal.creditBytes < TICK_BYTES || proposal.creditBytes > maxCreditBytes)
      return refuse('CREDIT_OUT_OF_RANGE', `credit must be ${TICK_BYTES} to ${maxCreditBytes} bytes`);
    const channel = await client.readContract({
      address: deployment.contracts.channels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [proposal.channelId],
    });
    if (channel.deposit === 0n) return refuse('UNKNOWN_CHANNEL', 'no open channel with this id');
    // A channel with a priority premium pays the premium price on every byte.
    const price = premiumPrice(priceWeiPerGiB, channel.premiumBps);
    if (proposal.priceWeiPerGiB !== price)
      return refuse('WRONG_PRICE', `this provider charges ${price} wei per GiB on this channel`);
    if (proposal.tickValue !== tickValueFor(price))
      return refuse('WRONG_TICK_VALUE', `a tick is worth ${tickValueFor(price)} wei at this price`);
    if (!isAddressEqual(channel.payee, address)) return refuse('WRONG_PAYEE', 'the channel does not pay this provider');
    if (!isAddressEqual(channel.payer, proposal.payer)) return refuse('WRONG_PAYER', 'the channel has another payer');
    if (channel.closesAt !== 0n) return refuse('CHANNEL_CLOSING', 'the channel is closing; open a new one');
    if (channel.redeemed + tickValueFor(price) > channel.deposit)
      return refuse('CHANNEL_EXHAUSTED', 'the channel has no deposit left; top it up');
    store.saveChannel({
      channelId: proposal.channelId,
      role: 'payee',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: channel.payer,
      payee: address,
      deposit: channel.deposit,
    });
    const now = Date.now();
    for (const [key, entry] of pending) if (entry.expiresAt <= now) pending.delete(key);
    pending.set(proposal.clientTunnelKey, {
      channelId: proposal.channelId,
      payer: channel.payer,
      deposit: channel.deposit,
      creditBytes: proposal.creditBytes,
      premiumBps: Number(channel.premiumBps),
      expiresAt: now + PENDING_SESSION_TTL_MS,
    });
    return {
      ok: true,
      sessionId: sessionIdOf(proposal.channelId, proposal.sessionNonce),
      tunnel: { host: tunnelHost, port: tunnel.address.port, publicKey: tunnelPublicKey },
    };
  };

  const node = await createBandexNode({
    privateKey,
    listen: params.listen,
    bootstrap: params.bootstrap,
    announce: params.announce,
    role: 'provider',
    allowPrivateAddresses: params.allowPrivateAddresses,
    logger,
  });
  const peerId = node.peerId.toString();
  const sessionServer = new SessionServer({
    node,
    chainId: deployment.chainId,
    channels: deployment.contracts.channels,
    checkProposal,
    logger,
  });
  await sessionServer.start();
  // The audit topic: providers forward auditors' reports (clients hear them through providers)
  // and know their own reputation.
  const { book, gossip } = joinAuditGossip({ node, client, deployment, logger });
  const publisher = new OfferPublisher({
    node,
    account: client.account as LocalAccount,
    chainId: deployment.chainId,
    logger,
    content: () => ({
      priceWeiPerGiB,
      region: record.region,
      capacityBytesPerSecond: record.capacityBytesPerSecond,
      endpoints: [formatEndpoint(tunnelHost, tunnel.address.port)],
      tunnelPublicKey,
    }),
  });
  publisher.start();

  const watcher = new ChannelWatcher({
    client,
    deployment,
    store,
    policy: params.redeemPolicy,
    confirmations: params.confirmations,
    pollMs: params.watcherPollMs,
    logger,
  });
  watcher.start();

  let redeemedCache = { at: 0, value: 0n };
  const readRedeemed = async (): Promise<bigint> => {
    if (Date.now() - redeemedCache.at < 1_000) return redeemedCache.value;
    const views = await readPayeeChannels(client, deployment, store);
    redeemedCache = { at: Date.now(), value: views.reduce((sum, v) => sum + BigInt(v.redeemedWei), 0n) };
    return redeemedCache.value;
  };
  const status = async (): Promise<ProviderStatus> => {
    const bytesServed = liveBytes();
    let pauses = totals.pauses;
    for (const c of charged.values()) pauses += c.pauses;
    let earnedWei = 0n;
    for (const id of store.claimedChannels('payee')) earnedWei += store.latestClaim(id)?.value ?? 0n;
    const [redeemedWei, current] = await Promise.all([readRedeemed(), readProvider(client, deployment, address)]);
    return {
      address,
      peerId,
      priceWeiPerGiB,
      bytesServed,
      earnedWei,
      redeemedWei,
      stakeWei: current.stakeWei,
      sessions: charged.size,
      sessionsTotal: totals.sessions,
      creditPauses: pauses,
      reputation: book.reputation().get(address.toLowerCase()) ?? PRIOR,
    };
  };
  const api = await startDaemonApi({
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
      const live = providerTraffic(charged.values(), store);
      const traffic = { ...live, up: live.up + closedTraffic.up, down: live.down + closedTraffic.down };
      return providerMetrics(await status(), traffic, telemetry);
    },
    sources: { network: { read: networkViewReader(client, deployment), intervalMs: 5_000 } },
    routes: { '/api/channels': () => readPayeeChannels(client, deployment, store) },
  });
  logger.info({ address, peerId, tunnel: `${tunnelHost}:${tunnel.address.port}`, api: api.url }, 'provider started');

  return {
    address,
    peerId,
    multiaddrs: node.getMultiaddrs().map(String),
    priceWeiPerGiB,
    api,
    tunnel,
    node,
    store,
    status,
    stop: async () => {
      clearInterval(faultTimer);
      gossip.stop();
      publisher.stop();
      await sessionServer.stop();
      await tunnel.close();
      await watcher.stop();
      await api.close();
      await node.stop();
      store.close();
    },
  };
}

function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}
