/**
 * Building a paid path through chosen providers — what a client does for its users and an auditor
 * does for its probes (the same protocol, so a provider cannot tell them apart). For each provider:
 * an open payment channel to it with deposit left (reused across sessions, else a new one), a
 * session proposal over libp2p with that channel and a fresh tunnel key, then the telescoped
 * tunnel through all of them and `payHop` paying each hop through its own channel. What each
 * channel has promised is persisted at every voucher and when the path is settled.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { type Address, formatUnits, type Hex, type LocalAccount } from 'viem';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { premiumPrice, tickValueFor } from '../accounting/price.ts';
import { sessionIdOf } from '../accounting/receipt.ts';
import { balanceOf } from '../chain/actions/balanceOf.ts';
import { getChannel } from '../chain/actions/getChannel.ts';
import { openChannel } from '../chain/actions/openChannelFor.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { createSerialWrites, type SerialWrites } from '../chain/serialWrites.ts';
import { BaseError } from '../errors/BaseError.ts';
import type { Logger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { SignedOffer } from '../net/offer.ts';
import { parseEndpoint } from '../net/parseEndpoint.ts';
import { newSessionNonce, proposeSession } from '../net/proposeSession.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';
import { BlockedTransports, isBlockingFailure } from '../transport/BlockedTransports.ts';
import { chooseTransports, type TransportName } from '../transport/transportSpec.ts';
import { type ClientSession, connectClientSession, type HopDescriptor } from '../tunnel/connectClientSession.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { openingAmount } from './openingAmount.ts';
import { type PaidHop, payHop } from './payHop.ts';
import { signSessionProposal } from './proposalSignature.ts';
import { type Equivocation, type ReceiptSigner, signReceipts } from './signReceipts.ts';

/** How long a signed proposal stays valid: a round trip to the provider and its chain read, with room. */
const PROPOSAL_LIFETIME_S = 60;

export class PathError extends BaseError<Record<string, unknown>> {
  override name = 'PathError';
}

export type BuiltHop = {
  offer: SignedOffer;
  channelId: Hex;
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
  account: LocalAccount;
  node: BandexNode;
  store: ChannelStore;
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
};

export type PathBuilder = {
  /** The account that pays (signs proposals, vouchers and receipts) for every path this builder builds. */
  readonly payer: Address;
  /**
   * An open channel to the offer's provider with deposit left (opened now if needed). Channel opens
   * are serialised: concurrent transactions from one account would race for the same nonce.
   */
  channelFor(offer: SignedOffer): Promise<{ channelId: Hex; deposit: bigint }>;
  /** A paid path through `offers`, in order (hop 1 first). */
  build(offers: readonly SignedOffer[]): Promise<BuiltPath>;
  /** Waits until every hop's last payment is settled and persists what each channel promised. */
  settle(path: BuiltPath): Promise<void>;
  /** Ends a path: every hop's final receipt (bounded wait), then the tunnel closes and the path settles. */
  close(path: BuiltPath): Promise<void>;
};

export function createPathBuilder(params: PathBuilderParameters): PathBuilder {
  const { client, deployment, account, node, store, logger } = params;
  const address = account.address;
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const registry = { chainId: deployment.chainId, registry: deployment.contracts.registry };
  const promisedKey = (channelId: Hex) => `payer.promised.${channelId.toLowerCase()}`;
  const channelKey = (payee: Address) => `payer.channel.${payee.toLowerCase()}`;
  const promisedOn = (channelId: Hex) => BigInt(store.getMeta(promisedKey(channelId)) ?? '0');

  const premiumBps = params.premiumBps ?? 0;
  // Transports a censor reset for a provider: tried last on the next paths (switching on the fly).
  const blocked = new BlockedTransports();
  const serialWrites = params.serialWrites ?? createSerialWrites();

  /** An open channel to `payee` with deposit left and this client's premium, reused across sessions; else a new one. */
  const channelTo = async (payee: Address, tickValue: bigint): Promise<{ channelId: Hex; deposit: bigint }> => {
    const known = store.getMeta(channelKey(payee)) as Hex | undefined;
    if (known) {
      const c = await getChannel(client, { deployment, channelId: known });
      const usable = c.closesAt === 0n && c.deposit > 0n && promisedOn(known) + tickValue <= c.deposit;
      if (usable && c.premiumBps === BigInt(premiumBps)) {
        return { channelId: known, deposit: c.deposit };
      }
    }
    const balance = await balanceOf(client, { token: deployment.contracts.token, account: address });
    if (balance < params.depositWei) {
      throw new PathError(
        `opening a channel needs ${formatUnits(params.depositWei, 18)} RBT; the wallet holds ${formatUnits(balance, 18)}`,
        { code: 'CLIENT_INSUFFICIENT_RBT', details: 'buy RBT first (bandex token buy) or lower --deposit' },
      );
    }
    logger.info({ payee, deposit: params.depositWei, premiumBps }, 'opening a payment channel');
    const { channelId } = await openChannel(client, { deployment, payee, deposit: params.depositWei, premiumBps });
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

  const channelFor = (signed: SignedOffer) =>
    serialWrites(() =>
      channelTo(signed.offer.provider, tickValueFor(premiumPrice(signed.offer.priceWeiPerGiB, premiumBps))),
    );

  const build = async (offers: readonly SignedOffer[]): Promise<BuiltPath> => {
    /** Hop 1 over each transport allowed and offered, in the order to try them. */
    const firstHops: HopDescriptor[] = [];
    const prepared: {
      signed: SignedOffer;
      channelId: Hex;
      payer: PayerChannel;
      hop: HopDescriptor;
      alreadyPromised: bigint;
      sessionId: Hex;
    }[] = [];
    for (const signed of offers) {
      const { offer } = signed;
      const price = premiumPrice(offer.priceWeiPerGiB, premiumBps);
      const { channelId, deposit } = await channelFor(signed);
      const alreadyPromised = promisedOn(channelId);
      const payer = new PayerChannel({
        account,
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
      const signature = await signSessionProposal(account, domain, {
        channelId,
        provider: offer.provider,
        clientTunnelKey,
        sessionNonce,
        expiry,
      });
      const answer = await proposeSession(node, peerIdFromString(offer.peerId), {
        channelId,
        payer: address,
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
      if (!answer.ok) {
        throw new PathError(`provider ${offer.provider} refused the session: ${answer.reason}`, {
          code: 'CLIENT_SESSION_REFUSED',
          meta: { refusal: answer.code, provider: offer.provider },
        });
      }
      // Resume from what the channel provably owes (a crash may have lost this client's own record).
      payer.resumeFrom(
        openingAmount({
          domain,
          channelId,
          payer: address,
          deposit,
          tickValue: payer.tickValue,
          creditBytes: params.creditBytes,
          promised: alreadyPromised,
          debt: answer.channel,
        }),
      );
      const hop: HopDescriptor = {
        host: answer.tunnel.host,
        port: answer.tunnel.port,
        publicKey: Buffer.from(answer.tunnel.publicKey, 'base64'),
        staticKeys,
      };
      if (prepared.length === 0) {
        // Only hop 1's connection is on the wire; later hops ride inside the tunnel. Every transport the
        // policy allows and the offer serves, the ones a censor reset lately last.
        const offered = [
          { name: 'plain', endpoint: `${answer.tunnel.host}:${answer.tunnel.port}`, params: '' },
          ...signed.offer.transports.filter((t) => t.name !== 'plain'),
        ];
        const choices = chooseTransports(offered, params.transports ?? ['plain']).map((c) => ({
          name: c.spec.name,
          hop: { ...hop, ...parseEndpoint(c.endpoint), transport: c.spec },
        }));
        firstHops.push(...blocked.order(offer.provider, choices).map((c) => c.hop));
      }
      prepared.push({
        signed,
        channelId,
        payer,
        hop,
        alreadyPromised,
        sessionId: sessionIdOf(channelId, sessionNonce),
      });
    }
    const hops: BuiltHop[] = [];
    const volumeLedger = deployment.contracts.volumeLedger;
    const epochLengthSec = BigInt(deployment.parameters?.auditEpochSec ?? '0');
    let paying = false;
    const firstProvider = (prepared[0] as (typeof prepared)[number]).signed.offer.provider;
    // Each hop is paid (its opening voucher sent) before the path is extended through it. A hop 1 that a
    // censor blocks (reset, refused, handshake timeout) before anything was paid is tried over the next
    // transport: the proposal stands (the provider admits the client's key whichever way it comes).
    const connectWith = (first: HopDescriptor) =>
      connectClientSession({
        hops: [first, ...prepared.slice(1).map((p) => p.hop)],
        onHop: async (hopSession, i) => {
          paying = true;
          const p = prepared[i] as (typeof prepared)[number];
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
            account,
            domain: registry,
            sessionId: p.sessionId,
            channelId: p.channelId,
            provider: p.signed.offer.provider,
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

  const settle = async (path: BuiltPath): Promise<void> => {
    await Promise.all(path.hops.map((h) => h.paid.settled()));
    for (const h of path.hops) store.setMeta(promisedKey(h.channelId), h.paid.payer.promised.toString());
  };

  const close = async (path: BuiltPath): Promise<void> => {
    await Promise.all(path.hops.map((h) => h.receipts.finish()));
    path.session.close();
    await settle(path);
  };

  return { payer: address, channelFor, build, settle, close };
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
