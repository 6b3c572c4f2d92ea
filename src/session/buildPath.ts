/**
 * Building a paid path through chosen providers — what a client does for its users and an auditor
 * does for its probes (the same protocol, so a provider cannot tell them apart). For each provider:
 * an open payment channel to it with deposit left (reused across sessions, else a new one funded by
 * the `ChannelFunder`), whose payer is a key of its own (`hopKeys.ts`: no two hops, and no hop and the
 * wallet, share a signer). Then the telescoped tunnel: hop 1 over TCP, hop k through a RELAY stream of
 * hop k-1. Each hop's session proposal (that channel, a fresh tunnel key, signed by the hop key) rides
 * in the payload of the Noise IK handshake's first message, encrypted to hop k's static key; the answer
 * in the second. So hop k sees hop k-1's address only, and the hops before it see ciphertext. `payHop`
 * pays each hop through its own channel. What each channel has promised is persisted at every voucher
 * and when the path is settled.
 */
import type { Socket } from 'node:net';
import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { premiumPrice, tickValueFor } from '../accounting/price.ts';
import { sessionIdOf } from '../accounting/receipt.ts';
import { getChannel, isChannelGone } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { createSerialWrites, type SerialWrites } from '../chain/serialWrites.ts';
import type { Logger } from '../log/logger.ts';
import type { SignedOffer } from '../net/offer.ts';
import { parseEndpoint } from '../net/parseEndpoint.ts';
import { reservedDestination } from '../net/relayEndpoint.ts';
import { decodeAnswer, encodeProposal, newSessionNonce } from '../net/sessionMessages.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';
import { BlockedTransports, type BlockReason, isBlockingFailure } from '../transport/BlockedTransports.ts';
import { chooseTransports, type OfferTransport, type TransportName } from '../transport/transportSpec.ts';
import { type ClientSession, connectClientSession, type HopDescriptor } from '../tunnel/connectClientSession.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { type ChannelFunder, createWalletFunder } from './ChannelFunder.ts';
import { newHopKey, recoverHopKey } from './hopKeys.ts';
import { openingAmount } from './openingAmount.ts';
import { PathError } from './PathError.ts';
import { type PaidHop, payHop } from './payHop.ts';
import { signSessionProposal } from './proposalSignature.ts';
import { punchThroughNat } from './punchThroughNat.ts';
import {
  type CoSignedClose,
  encodeCoSignedClose,
  payerCloseKey,
  requestCooperativeClose,
} from './requestCooperativeClose.ts';
import { type Equivocation, type ReceiptSigner, signReceipts } from './signReceipts.ts';
import { relayOfOffer, withRelays } from './withRelays.ts';

/** How long the provider has to put a co-signed close on chain before the client submits it itself. */
const CLOSE_LANDING_TIMEOUT_MS = 15_000;
const CLOSE_POLL_MS = 500;

/** How long a signed proposal stays valid: a round trip to the provider and its chain read, with room. */
const PROPOSAL_LIFETIME_S = 60;

export { PathError };

export type BuiltHop = {
  offer: SignedOffer;
  channelId: Hex;
  /** The hop key: this hop's channel payer, signer of its proposal, vouchers, receipts and close. */
  payer: Address;
  hopKey: LocalAccount;
  /** `sessionIdOf(channelId, sessionNonce)`: the session's receipts name its checkpoints. */
  sessionId: Hex;
  paid: PaidHop;
  receipts: ReceiptSigner;
  startPromised: bigint;
};
export type BuiltPath = { session: ClientSession; hops: BuiltHop[] };

export type PathBuilderParameters = {
  client: ChainClient;
  deployment: Deployment;
  /** The wallet: hop keys are derived from its signatures (`hopKeys.ts`); it signs nothing a provider sees. */
  account: LocalAccount;
  /** Who funds each hop key's channel; the wallet (`client`'s account) by default. */
  funder?: ChannelFunder;
  store: ChannelStore;
  /** The local address the client's tunnel socket (to hop 1) binds to; the system's choice when unset. */
  localAddress?: string;
  /** Where every hop's checkpoint receipts are kept (signed by the payer key, countersigned by the provider). */
  receipts?: ReceiptStore;
  /** A hop's provider signed two different receipts for one checkpoint: the evidence for `slashEquivocation`. */
  onEquivocation?: (evidence: Equivocation) => void;
  /** RBT wei deposited in each new channel. */
  depositWei: bigint;
  /** Most promised on any one channel (a spending cap); the deposit when unset. */
  budgetWei?: bigint;
  creditBytes: number;
  /** Priority premium in basis points (0 = none): channels are opened with it and every hop is paid
   * price × (1 + premiumBps / 10,000); providers schedule the session with more weight. */
  premiumBps?: number;
  /** Runs the account's transactions one at a time (shared with whatever else the account sends). */
  serialWrites?: SerialWrites;
  logger: Logger;
  /** A hop stopped paying (budget or deposit exhausted). */
  onBlocked?: (reason: Error) => void;
  /**
   * How hop 1 may connect, in order of preference (`--transport`): the first its offer serves is used.
   * `plain` (the default) is always served on the session's tunnel address.
   */
  transports?: readonly TransportName[];
  /**
   * The offer of a relay a provider behind NAT names (docs/nat.md): `build` puts it before that provider. A
   * path with a NATed provider fails (`CLIENT_NAT_RELAY_UNKNOWN`) without it.
   */
  relayOf?: (provider: Address) => SignedOffer | undefined;
  /**
   * Transports a provider handed this client privately (a verified bridge line, `net/bridgeLine.ts`) for the
   * tunnel key its offer names: tried for hop 1 as if the offer listed them.
   */
  bridgeTransports?: (provider: Address, tunnelPublicKey: string) => readonly OfferTransport[];
  /**
   * Before going through a relay to a NATed first hop, try a direct connection to it (hole punching,
   * docs/nat.md); the relay is used, and paid, only when that fails. Default true.
   */
  holePunch?: boolean;
};

/** A channel a path pays one provider through, and its hop key. */
export type HopChannel = { channelId: Hex; deposit: bigint; account: LocalAccount };

export type PathBuilder = {
  /** The wallet the hop keys are derived from (and, by default, funded by). */
  readonly wallet: Address;
  /**
   * An open channel to the offer's provider with deposit left, and its hop key (opened now if needed).
   * Channel opens are serialised: concurrent transactions from one funder would race for the same nonce.
   */
  channelFor(offer: SignedOffer): Promise<HopChannel>;
  /** A paid path through `offers`, in order (hop 1 first). */
  build(offers: readonly SignedOffer[], options?: { transports?: readonly TransportName[] }): Promise<BuiltPath>;
  /** Waits until every hop's last payment is settled and persists what each channel promised. */
  settle(path: BuiltPath): Promise<void>;
  /**
   * Ends a path: every hop's final receipt (bounded wait), then the tunnel closes and the path settles. With
   * `cooperative` (the client is ending, its channels will not be reused), every hop's channel is first
   * closed cooperatively for what it was promised: the provider co-signs inside the session and submits;
   * resolves once each channel is gone on chain and its rest refunded, or left open for `bandex channel
   * close` when its provider would not co-sign.
   */
  close(path: BuiltPath, options?: { cooperative?: boolean }): Promise<void>;
  /**
   * Marks `path`'s hop-1 transport blocked for its provider (`reason`: a censor's reset or throttling) and
   * says which transport the next path to that provider will use: one the policy allows and the offer
   * serves that is not blocked — or undefined when there is none (every one is blocked, or hop 1 is a
   * provider behind NAT, reached by a punched hole or its relay rather than a transport), so that switching
   * would gain nothing.
   */
  switchTransport(path: BuiltPath, reason: BlockReason): TransportName | undefined;
};

export function createPathBuilder(params: PathBuilderParameters): PathBuilder {
  const { client, deployment, account, store, logger } = params;
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const registry = { chainId: deployment.chainId, registry: deployment.contracts.registry };
  const promisedKey = (channelId: Hex) => `payer.promised.${channelId.toLowerCase()}`;
  const channelKey = (payee: Address) => `payer.channel.${payee.toLowerCase()}`;
  const promisedOn = (channelId: Hex) => BigInt(store.getMeta(promisedKey(channelId)) ?? '0');

  const premiumBps = params.premiumBps ?? 0;
  // Transports a censor reset for a provider: tried last on the next paths (switching on the fly).
  const blocked = new BlockedTransports();
  const serialWrites = params.serialWrites ?? createSerialWrites();
  const funder = params.funder ?? createWalletFunder({ client, deployment, logger });

  /** An open channel to `payee` with deposit left and this client's premium, reused across sessions; else a new one. */
  const channelTo = async (payee: Address, tickValue: bigint): Promise<HopChannel> => {
    const known = store.getMeta(channelKey(payee)) as Hex | undefined;
    const fixed = funder.payerKey;
    if (known) {
      const c = await getChannel(client, { deployment, channelId: known });
      const usable = c.closesAt === 0n && c.deposit > 0n && promisedOn(known) + tickValue <= c.deposit;
      const hopKey =
        usable &&
        c.premiumBps === BigInt(premiumBps) &&
        (fixed && isAddressEqual(c.payer, fixed.address) ? fixed : await recoverHopKey(account, store, c.payer));
      if (hopKey) return { channelId: known, deposit: c.deposit, account: hopKey };
    }
    // A fresh hop key, its salt saved before the channel exists (the key is recoverable from the wallet); or the
    // funder's own payer key (a device's).
    const hopKey = fixed ?? (await newHopKey(account, store));
    const { channelId } = await funder.fund({ payer: hopKey.address, payee, deposit: params.depositWei, premiumBps });
    store.saveChannel({
      channelId,
      role: 'payer',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: hopKey.address,
      payee,
      deposit: params.depositWei,
    });
    store.setMeta(channelKey(payee), channelId);
    return { channelId, deposit: params.depositWei, account: hopKey };
  };

  const channelFor = (signed: SignedOffer) =>
    serialWrites(() =>
      channelTo(signed.offer.provider, tickValueFor(premiumPrice(signed.offer.priceWeiPerGiB, premiumBps))),
    );

  const build = async (
    chosen: readonly SignedOffer[],
    { transports = params.transports ?? ['plain'] }: { transports?: readonly TransportName[] } = {},
  ): Promise<BuiltPath> => {
    // Providers behind NAT are reached through their relays (docs/nat.md): each relay becomes the hop before.
    let offers = withRelays(chosen, (relay) => params.relayOf?.(relay));
    // A NATed first hop: a hole-punched connection to it makes its relay unnecessary (docs/nat.md).
    const punched = await punchFirstHop(offers);
    if (punched) offers = offers.slice(1);
    try {
      return await buildThrough(offers, punched, transports);
    } catch (error) {
      punched?.destroy();
      throw error;
    }
  };

  /** A direct connection to the NATed provider at `offers[1]` when `offers[0]` is its relay, if one can be punched. */
  const punchFirstHop = async (offers: readonly SignedOffer[]): Promise<Socket | undefined> => {
    const [relay, natted] = offers;
    const relayAddress = natted && relayOfOffer(natted);
    if (params.holePunch === false || !relay || !relayAddress || !isAddressEqual(relayAddress, relay.offer.provider)) {
      return undefined;
    }
    const endpoint = relay.offer.endpoints.map(parseEndpoint).find((e) => e !== undefined);
    if (!endpoint) return undefined;
    const provider = natted.offer.provider;
    const socket = await punchThroughNat({
      relay: { ...endpoint, publicKey: Buffer.from(relay.offer.tunnelPublicKey, 'base64') },
      provider,
      localAddress: params.localAddress,
    }).catch((error: unknown) => {
      logger.debug({ err: error, provider }, 'hole punch not arranged');
      return undefined;
    });
    logger.info(
      { provider, relay: relay.offer.provider, direct: socket !== undefined },
      socket ? 'hole punched' : 'hole punch failed; relaying',
    );
    return socket;
  };

  const buildThrough = async (
    offers: readonly SignedOffer[],
    punched: Socket | undefined,
    transports: readonly TransportName[],
  ): Promise<BuiltPath> => {
    /** Hop 1 over each transport allowed and offered, in the order to try them. */
    const firstHops: HopDescriptor[] = [];
    const prepared: {
      signed: SignedOffer;
      channelId: Hex;
      hopKey: LocalAccount;
      deposit: bigint;
      payer: PayerChannel;
      hop: HopDescriptor;
      alreadyPromised: bigint;
      sessionNonce: Hex;
      sessionId: Hex;
    }[] = [];
    for (const signed of offers) {
      const { offer } = signed;
      const price = premiumPrice(offer.priceWeiPerGiB, premiumBps);
      const { channelId, deposit, account: hopKey } = await channelFor(signed);
      const alreadyPromised = promisedOn(channelId);
      const payer = new PayerChannel({
        account: hopKey,
        domain,
        channelId,
        deposit,
        alreadyPromised,
        priceWeiPerGiB: price,
        budgetWei: params.budgetWei,
      });
      const staticKeys = generateStaticKeyPair();
      const clientTunnelKey = staticKeys.publicKey.toString('base64');
      const sessionNonce = newSessionNonce();
      const expiry = Math.floor(Date.now() / 1000) + PROPOSAL_LIFETIME_S;
      const signature = await signSessionProposal(hopKey, domain, {
        channelId,
        provider: offer.provider,
        clientTunnelKey,
        sessionNonce,
        expiry,
      });
      const proposal = encodeProposal({
        channelId,
        payer: hopKey.address,
        tickAnchor: payer.tickAnchor,
        tickValue: payer.tickValue,
        priceWeiPerGiB: price,
        creditBytes: params.creditBytes,
        chainId: deployment.chainId,
        channels: deployment.contracts.channels,
        sessionNonce,
        clientTunnelKey,
        expiry,
        signature,
      });
      // Behind NAT (docs/nat.md): the previous hop, its relay, is asked for the provider by address, not host:port.
      const endpoint =
        offer.endpoints.map(parseEndpoint).find((e) => e !== undefined) ??
        ((prepared.length > 0 || punched) && relayOfOffer(signed) ? reservedDestination(offer.provider) : undefined);
      if (!endpoint) {
        throw new PathError(`provider ${offer.provider} offers no usable tunnel endpoint`, {
          code: 'CLIENT_SESSION_REFUSED',
          meta: { provider: offer.provider },
        });
      }
      const hop: HopDescriptor = {
        host: endpoint.host,
        port: endpoint.port,
        publicKey: Buffer.from(offer.tunnelPublicKey, 'base64'),
        staticKeys,
        hello: Buffer.from(proposal),
      };
      if (prepared.length === 0 && punched) {
        firstHops.push({ ...hop, connected: punched });
      } else if (prepared.length === 0) {
        // Only hop 1's connection is on the wire; later hops ride inside the tunnel. Every transport the
        // policy allows and the offer serves, the ones a censor reset lately last.
        const choices = hopOneTransports(signed, endpoint, transports).map((c) => ({
          name: c.spec.name,
          hop: { ...hop, ...parseEndpoint(c.endpoint), transport: c.spec },
        }));
        firstHops.push(...blocked.order(offer.provider, choices).map((c) => c.hop));
      }
      prepared.push({
        signed,
        channelId,
        hopKey,
        deposit,
        payer,
        hop,
        alreadyPromised,
        sessionNonce,
        sessionId: sessionIdOf(channelId, sessionNonce),
      });
    }
    const hops: BuiltHop[] = [];
    const volumeLedger = deployment.contracts.volumeLedger;
    const epochLengthSec = BigInt(deployment.parameters?.auditEpochSec ?? '0');
    let paying = false;
    const firstProvider = (prepared[0] as (typeof prepared)[number]).signed.offer.provider;
    // Each hop answers its proposal in the handshake and is paid (its opening voucher sent) before the path
    // is extended through it. A hop 1 that a censor blocks (reset, refused, handshake timeout) before
    // anything was paid is tried over the next transport with the same proposal (if the blocked attempt's
    // proposal did reach the provider, the retry is refused as a replay and the path fails: the
    // application's retry builds a new one).
    const connectWith = (first: HopDescriptor) =>
      connectClientSession({
        hops: [first, ...prepared.slice(1).map((p) => p.hop)],
        localAddress: params.localAddress,
        onHop: async (hopSession, i) => {
          paying = true;
          const p = prepared[i] as (typeof prepared)[number];
          const provider = p.signed.offer.provider;
          const answer = decodeAnswer(hopSession.channel.handshakePayload);
          if (answer.sessionNonce !== p.sessionNonce.toLowerCase()) {
            throw new PathError(`provider ${provider} answered another proposal`, {
              code: 'CLIENT_SESSION_REFUSED',
              meta: { provider },
            });
          }
          if (!answer.ok) {
            throw new PathError(`provider ${provider} refused the session: ${answer.reason}`, {
              code: 'CLIENT_SESSION_REFUSED',
              meta: { refusal: answer.code, provider },
            });
          }
          // Resume from what the channel provably owes (a crash may have lost this client's own record).
          p.payer.resumeFrom(
            openingAmount({
              domain,
              channelId: p.channelId,
              payer: p.hopKey.address,
              deposit: p.deposit,
              tickValue: p.payer.tickValue,
              creditBytes: params.creditBytes,
              promised: p.alreadyPromised,
              debt: answer.channel,
            }),
          );
          const paid = await payHop({
            session: hopSession,
            payer: p.payer,
            logger: logger.child({ hop: i + 1 }),
            onBlocked: params.onBlocked,
            creditBytes: params.creditBytes,
            onVoucher: (amount) => store.setMeta(promisedKey(p.channelId), amount.toString()),
          });
          const receipts = signReceipts({
            session: hopSession,
            paid,
            account: p.hopKey,
            domain: registry,
            sessionId: p.sessionId,
            channelId: p.channelId,
            provider,
            store: params.receipts,
            onEquivocation: params.onEquivocation,
            ...(volumeLedger && epochLengthSec > 0n
              ? {
                  volume: {
                    chainId: deployment.chainId,
                    ledger: volumeLedger,
                    epochLengthSec,
                    priorBytes: channelBytesBefore(params.receipts, p.channelId, p.sessionId),
                  },
                }
              : {}),
            logger: logger.child({ hop: i + 1 }),
          });
          hops.push({
            offer: p.signed,
            channelId: p.channelId,
            payer: p.hopKey.address,
            hopKey: p.hopKey,
            sessionId: p.sessionId,
            paid,
            receipts,
            startPromised: p.alreadyPromised,
          });
        },
      });
    let session: ClientSession | undefined;
    for (const [attempt, first] of firstHops.entries()) {
      try {
        session = await connectWith(first);
        break;
      } catch (error) {
        const transport = first.transport?.name ?? 'plain';
        if (paying || attempt + 1 >= firstHops.length || !isBlockingFailure(error)) throw error;
        blocked.block(firstProvider, transport);
        const next = firstHops[attempt + 1]?.transport?.name ?? 'plain';
        logger.warn({ provider: firstProvider, transport, next }, 'hop 1 transport blocked, switching');
      }
    }
    const built = session as ClientSession;
    // Reset mid-session: the next path (the application's retry) goes over another transport.
    built.hops[0]?.once('close', (error) => {
      if (error && isBlockingFailure(error)) blocked.block(firstProvider, built.transport);
    });
    return { session: built, hops };
  };

  /**
   * The transports hop 1's provider can be reached over that the policy allows, in the policy's order: plain
   * on the tunnel endpoint, those of its bridge line (handed to this client privately), those of its offer.
   */
  const hopOneTransports = (
    signed: SignedOffer,
    endpoint: { host: string; port: number },
    policy: readonly TransportName[],
  ): ReturnType<typeof chooseTransports> => {
    const { offer } = signed;
    const bridged = params.bridgeTransports?.(offer.provider, offer.tunnelPublicKey) ?? [];
    const offered: OfferTransport[] = [
      { name: 'plain', endpoint: `${endpoint.host}:${endpoint.port}`, params: '' },
      ...bridged.filter((t) => t.name !== 'plain'),
      ...offer.transports.filter((t) => t.name !== 'plain' && !bridged.some((b) => b.name === t.name)),
    ];
    return chooseTransports(offered, policy);
  };

  const switchTransport = (path: BuiltPath, reason: BlockReason): TransportName | undefined => {
    const first = path.hops[0]?.offer;
    const endpoint = first?.offer.endpoints.map(parseEndpoint).find((e) => e !== undefined);
    if (!first || !endpoint) return undefined;
    const provider = first.offer.provider;
    const current = path.session.transport;
    blocked.block(provider, current, reason);
    return hopOneTransports(first, endpoint, params.transports ?? ['plain'])
      .map((c) => c.spec.name)
      .find((name) => name !== current && !blocked.isBlocked(provider, name));
  };

  const settle = async (path: BuiltPath): Promise<void> => {
    await Promise.all(path.hops.map((h) => h.paid.settled()));
    for (const h of path.hops) store.setMeta(promisedKey(h.channelId), h.paid.payer.promised.toString());
  };

  const close = async (path: BuiltPath, { cooperative = false } = {}): Promise<void> => {
    await Promise.all(path.hops.map((h) => h.receipts.finish()));
    const closes = cooperative ? await coSignCloses(path) : [];
    path.session.close();
    await settle(path);
    await Promise.all(closes.map(landClose));
  };

  /** Each hop's channel closed for what it was promised, co-signed by its provider inside the session. */
  const coSignCloses = async (path: BuiltPath): Promise<CoSignedClose[]> => {
    await settle(path); // every payment has left: the provider's claim is what was promised
    const outcomes = await Promise.all(
      path.hops.map(async (h, i) => {
        const session = path.session.hops[i];
        if (!session) return undefined;
        const outcome = await requestCooperativeClose({
          session,
          account: h.hopKey,
          domain,
          channelId: h.channelId,
          amount: h.paid.payer.promised,
          payee: h.offer.offer.provider,
        });
        if (!outcome.ok) {
          logger.warn({ hop: i + 1, channelId: h.channelId, reason: outcome.reason }, 'no cooperative close');
          return undefined;
        }
        // Kept until it is on chain (anyone may submit it, `bandex channel close` too); never reused.
        store.setMeta(payerCloseKey(h.channelId), encodeCoSignedClose(outcome));
        store.deleteMeta(channelKey(h.offer.offer.provider));
        const { ok: _, ...close } = outcome;
        return close;
      }),
    );
    return outcomes.filter((o) => o !== undefined);
  };

  /** Waits for the provider to put `close` on chain; submits it through the funder if it does not in time. */
  const landClose = async (close: CoSignedClose): Promise<void> => {
    const gone = async () => isChannelGone(await getChannel(client, { deployment, channelId: close.channelId }));
    const deadline = Date.now() + CLOSE_LANDING_TIMEOUT_MS;
    try {
      while (!(await gone())) {
        if (Date.now() > deadline) {
          if (!funder.submitClose) return; // left for `bandex channel close` (the co-signed close is saved)
          logger.info({ channelId: close.channelId }, 'the provider did not submit the close; submitting it');
          const submit = funder.submitClose.bind(funder);
          await serialWrites(() => submit(close)).catch(async (error: unknown) => {
            if (!(await gone())) throw error;
          });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
      }
      store.deleteMeta(payerCloseKey(close.channelId));
      logger.info({ channelId: close.channelId, paid: close.amount }, 'channel closed cooperatively; rest refunded');
    } catch (error) {
      logger.warn({ err: error, channelId: close.channelId }, 'the cooperative close is not on chain yet');
    }
  };

  return { wallet: account.address, channelFor, build, settle, close, switchTransport };
}

/** Bytes of the channel's earlier sessions, from their newest stored receipts (volume receipts are cumulative). */
function channelBytesBefore(store: ReceiptStore | undefined, channelId: Hex, sessionId: Hex): bigint {
  if (!store) return 0n;
  const seen = new Set<string>([sessionId.toLowerCase()]);
  let bytes = 0n;
  for (const r of store.list({ channelId })) {
    if (seen.has(r.session.toLowerCase())) continue;
    seen.add(r.session.toLowerCase());
    bytes += r.receipt.bytesUp + r.receipt.bytesDown;
  }
  return bytes;
}
