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
import { bandwidthTokenAbi } from '../chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../chain/abi/paymentChannels.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { openChannel } from '../chain/openChannel.ts';
import { createSerialWrites, type SerialWrites } from '../chain/serialWrites.ts';
import { BaseError } from '../errors/BaseError.ts';
import type { Logger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { SignedOffer } from '../net/offer.ts';
import { newSessionNonce, proposeSession } from '../net/proposeSession.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import { type ClientSession, connectClientSession, type HopDescriptor } from '../tunnel/connectClientSession.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { type PaidHop, payHop } from './payHop.ts';

export class PathError extends BaseError<Record<string, unknown>> {
  override name = 'PathError';
}

export type BuiltHop = { offer: SignedOffer; channelId: Hex; paid: PaidHop; startPromised: bigint };
export type BuiltPath = { session: ClientSession; hops: BuiltHop[] };

export type PathBuilderParameters = {
  client: ChainClient;
  deployment: Deployment;
  account: LocalAccount;
  node: BandexNode;
  store: ChannelStore;
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
};

export type PathBuilder = {
  /**
   * An open channel to the offer's provider with deposit left (opened now if needed). Channel opens
   * are serialised: concurrent transactions from one account would race for the same nonce.
   */
  channelFor(offer: SignedOffer): Promise<{ channelId: Hex; deposit: bigint }>;
  /** A paid path through `offers`, in order (hop 1 first). */
  build(offers: readonly SignedOffer[]): Promise<BuiltPath>;
  /** Waits until every hop's last payment is settled and persists what each channel promised. */
  settle(path: BuiltPath): Promise<void>;
};

export function createPathBuilder(params: PathBuilderParameters): PathBuilder {
  const { client, deployment, account, node, store, logger } = params;
  const address = account.address;
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const promisedKey = (channelId: Hex) => `payer.promised.${channelId.toLowerCase()}`;
  const channelKey = (payee: Address) => `payer.channel.${payee.toLowerCase()}`;
  const promisedOn = (channelId: Hex) => BigInt(store.getMeta(promisedKey(channelId)) ?? '0');

  const premiumBps = params.premiumBps ?? 0;
  const serialWrites = params.serialWrites ?? createSerialWrites();

  /** An open channel to `payee` with deposit left and this client's premium, reused across sessions; else a new one. */
  const channelTo = async (payee: Address, tickValue: bigint): Promise<{ channelId: Hex; deposit: bigint }> => {
    const known = store.getMeta(channelKey(payee)) as Hex | undefined;
    if (known) {
      const c = await client.readContract({
        address: deployment.contracts.channels,
        abi: paymentChannelsAbi,
        functionName: 'getChannel',
        args: [known],
      });
      const usable = c.closesAt === 0n && c.deposit > 0n && promisedOn(known) + tickValue <= c.deposit;
      if (usable && c.premiumBps === BigInt(premiumBps)) {
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
      throw new PathError(
        `opening a channel needs ${formatUnits(params.depositWei, 18)} RBT; the wallet holds ${formatUnits(balance, 18)}`,
        { code: 'CLIENT_INSUFFICIENT_RBT', details: 'buy RBT first (bandex token buy) or lower --deposit' },
      );
    }
    logger.info({ payee, deposit: params.depositWei, premiumBps }, 'opening a payment channel');
    const { channelId } = await openChannel({ client, deployment, payee, deposit: params.depositWei, premiumBps });
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
    const prepared = [];
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
      const answer = await proposeSession(node, peerIdFromString(offer.peerId), {
        channelId,
        payer: address,
        tickAnchor: payer.tickAnchor,
        tickValue: payer.tickValue,
        priceWeiPerGiB: price,
        creditBytes: params.creditBytes,
        chainId: deployment.chainId,
        channels: deployment.contracts.channels,
        sessionNonce: newSessionNonce(),
        clientTunnelKey: staticKeys.publicKey.toString('base64'),
      });
      if (!answer.ok) {
        throw new PathError(`provider ${offer.provider} refused the session: ${answer.reason}`, {
          code: 'CLIENT_SESSION_REFUSED',
          meta: { refusal: answer.code, provider: offer.provider },
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
    const hops: BuiltHop[] = [];
    for (const [i, p] of prepared.entries()) {
      const hopSession = session.hops[i];
      if (!hopSession)
        throw new PathError('the tunnel lost a hop while the path was being built', {
          code: 'CLIENT_PATH_LOST',
          details: 'the next connection builds a new path',
        });
      const paid = await payHop({
        session: hopSession,
        payer: p.payer,
        logger: logger.child({ hop: i + 1 }),
        onBlocked: params.onBlocked,
        creditBytes: params.creditBytes,
        onVoucher: (amount) => store.setMeta(promisedKey(p.channelId), amount.toString()),
      });
      hops.push({ offer: p.signed, channelId: p.channelId, paid, startPromised: p.alreadyPromised });
    }
    return { session, hops };
  };

  const settle = async (path: BuiltPath): Promise<void> => {
    await Promise.all(path.hops.map((h) => h.paid.settled()));
    for (const h of path.hops) store.setMeta(promisedKey(h.channelId), h.paid.payer.promised.toString());
  };

  return { channelFor, build, settle };
}
