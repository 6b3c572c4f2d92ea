/**
 * The client's view of the market: the latest valid offer of each provider. An offer
 * enters only if it decodes strictly, is for this chain, is inside its validity window,
 * is newer (higher sequence) than the one held, carries valid EIP-712 and peer-binding
 * signatures, and the injected registry check says the provider is registered, staked,
 * asks exactly the registry price (and, when the registry knows it, uses that peer id).
 * Expired offers are evicted periodically.
 */
import type { Address } from 'viem';
import { getAddress } from 'viem';
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import {
  CHECK_PROVIDER_TIMEOUT_MS,
  MAX_DIRECTORY_ENTRIES,
  OFFER_EVICTION_INTERVAL_MS,
  OFFERS_TOPIC,
} from './constants.ts';
import type { BandexNode } from './createBandexNode.ts';
import { createOfferTopicValidator } from './createOfferTopicValidator.ts';
import { decodeOffer } from './decodeOffer.ts';
import { OfferError } from './errors.ts';
import type { SignedOffer } from './offer.ts';
import { checkOfferTime, verifyOffer } from './verifyOffer.ts';

/** What the on-chain registry says about a provider. */
export type ProviderStatus = {
  registered: boolean;
  stakeWei: bigint;
  priceWeiPerGiB: bigint;
  /** Jailed by its auditor committee for being unreachable: not selected until it unjails. */
  jailed?: boolean;
  /** The peer id registered on chain, if the registry stores one; offers from another peer are rejected. */
  peerId?: string;
};

export type CheckProvider = (address: Address, options: { signal: AbortSignal }) => Promise<ProviderStatus>;

export type OfferDirectoryParameters = {
  chainId: number;
  /** Registry lookup (the lead wires the ProviderRegistry read); memoise it if RPC is costly. */
  checkProvider: CheckProvider;
  /** Least stake accepted, in wei. Default 1 (any stake). */
  minStakeWei?: bigint;
  /** Called whenever a provider's offer is added or replaced. */
  onOffer?: (offer: SignedOffer) => void;
  /** Called for every offer from gossip that was dropped, with the reason (metrics, debugging). */
  onReject?: (error: OfferError) => void;
  logger?: Logger;
  /** Current unix time in seconds (tests). */
  now?: () => number;
  maxEntries?: number;
};

/**
 * @example
 * const directory = new OfferDirectory({ chainId, checkProvider: (a, { signal }) => registry.read(a, signal) })
 * directory.start(node)            // subscribe to the offers topic
 * const best = directory.list().sort((a, b) => Number(a.offer.priceWeiPerGiB - b.offer.priceWeiPerGiB))[0]
 * directory.stop()
 */
export class OfferDirectory {
  readonly #params: OfferDirectoryParameters;
  readonly #log: Logger;
  readonly #offers = new Map<Address, SignedOffer>();
  #controller = new AbortController();
  #node: BandexNode | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(params: OfferDirectoryParameters) {
    this.#params = params;
    this.#log = (params.logger ?? silentLogger).child({ module: 'offer-directory' });
  }

  /** Number of providers held (expired ones included until the next eviction). */
  get size(): number {
    return this.#offers.size;
  }

  /** Starts eviction and, given a node, subscribes to `OFFERS_TOPIC` and admits what gossip delivers. */
  start(node?: BandexNode): void {
    if (this.#controller.signal.aborted) this.#controller = new AbortController();
    if (!this.#timer) {
      this.#timer = setInterval(() => this.evictExpired(), OFFER_EVICTION_INTERVAL_MS);
      this.#timer.unref();
    }
    if (node && !this.#node) {
      this.#node = node;
      node.services.pubsub.topicValidators.set(
        OFFERS_TOPIC,
        createOfferTopicValidator({
          chainId: this.#params.chainId,
          now: this.#params.now,
          logger: this.#params.logger,
          onInvalid: (error) => this.#params.onReject?.(error),
          onValid: (signed) => {
            this.#admitVerified(signed, this.#controller.signal).catch((error: unknown) => {
              const offerError =
                error instanceof OfferError
                  ? error
                  : new OfferError('NET_OFFER_CHECK_FAILED', 'admission failed', {}, error);
              this.#log.debug({ code: offerError.code, provider: signed.offer.provider }, 'offer not admitted');
              this.#params.onReject?.(offerError);
            });
          },
        }),
      );
      node.services.pubsub.subscribe(OFFERS_TOPIC);
    }
  }

  /** Unsubscribes, stops eviction and abandons registry checks in flight. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#controller.abort(new Error('offer directory stopped'));
    if (this.#node) {
      this.#node.services.pubsub.unsubscribe(OFFERS_TOPIC);
      this.#node.services.pubsub.topicValidators.delete(OFFERS_TOPIC);
      this.#node = undefined;
    }
  }

  /**
   * Runs the full admission pipeline on wire bytes (what gossip delivers).
   *
   * @throws {OfferError} with the code of the first check that failed.
   */
  async admit(bytes: Uint8Array, { signal }: { signal?: AbortSignal } = {}): Promise<SignedOffer> {
    const signed = decodeOffer(bytes);
    const options = { chainId: this.#params.chainId, nowSeconds: this.#now() };
    checkOfferTime(signed, options);
    this.#checkNewer(signed);
    await verifyOffer(signed, options);
    return this.#admitVerified(signed, signal ?? this.#controller.signal);
  }

  /** The provider's current offer, if held and unexpired. */
  get(provider: Address): SignedOffer | undefined {
    const signed = this.#offers.get(getAddress(provider));
    return signed && signed.offer.expiresAt > this.#now() ? signed : undefined;
  }

  /** All unexpired offers. */
  list(): SignedOffer[] {
    const now = this.#now();
    return [...this.#offers.values()].filter((s) => s.offer.expiresAt > now);
  }

  /** Drops expired offers; returns how many. */
  evictExpired(): number {
    const now = this.#now();
    let evicted = 0;
    for (const [provider, signed] of this.#offers) {
      if (signed.offer.expiresAt <= now) {
        this.#offers.delete(provider);
        evicted++;
      }
    }
    return evicted;
  }

  async #admitVerified(signed: SignedOffer, signal: AbortSignal): Promise<SignedOffer> {
    const { offer } = signed;
    const meta = { provider: offer.provider };
    checkOfferTime(signed, { chainId: this.#params.chainId, nowSeconds: this.#now() });
    this.#checkNewer(signed);
    let status: ProviderStatus;
    try {
      status = await this.#params.checkProvider(offer.provider, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(CHECK_PROVIDER_TIMEOUT_MS)]),
      });
    } catch (cause) {
      throw new OfferError('NET_OFFER_CHECK_FAILED', 'the registry check failed', meta, cause);
    }
    if (!status.registered)
      throw new OfferError('NET_OFFER_PROVIDER_UNREGISTERED', 'the provider is not registered', meta);
    if (status.jailed) throw new OfferError('NET_OFFER_PROVIDER_JAILED', 'the provider is jailed (offline)', meta);
    if (status.stakeWei < (this.#params.minStakeWei ?? 1n)) {
      throw new OfferError('NET_OFFER_PROVIDER_UNSTAKED', `stake ${status.stakeWei} wei is below the minimum`, meta);
    }
    if (status.priceWeiPerGiB !== offer.priceWeiPerGiB) {
      throw new OfferError(
        'NET_OFFER_PRICE_MISMATCH',
        `offer price ${offer.priceWeiPerGiB} differs from the registry's ${status.priceWeiPerGiB}`,
        meta,
      );
    }
    if (status.peerId !== undefined && status.peerId !== offer.peerId) {
      throw new OfferError(
        'NET_OFFER_PEER_MISMATCH',
        `peer ${offer.peerId} is not the registered ${status.peerId}`,
        meta,
      );
    }
    // Another offer of this provider may have been admitted while the registry answered.
    this.#checkNewer(signed);
    if (!this.#offers.has(offer.provider) && this.#offers.size >= (this.#params.maxEntries ?? MAX_DIRECTORY_ENTRIES)) {
      this.evictExpired();
      if (this.#offers.size >= (this.#params.maxEntries ?? MAX_DIRECTORY_ENTRIES)) {
        throw new OfferError('NET_OFFER_DIRECTORY_FULL', 'the directory holds its maximum of providers', meta);
      }
    }
    this.#offers.set(offer.provider, signed);
    this.#log.debug({ provider: offer.provider, sequence: offer.sequence }, 'offer admitted');
    this.#params.onOffer?.(signed);
    return signed;
  }

  #checkNewer({ offer }: SignedOffer): void {
    const held = this.#offers.get(offer.provider);
    if (held && held.offer.sequence >= offer.sequence) {
      throw new OfferError(
        'NET_OFFER_STALE',
        `sequence ${offer.sequence} is not above the held ${held.offer.sequence}`,
        {
          provider: offer.provider,
        },
      );
    }
  }

  #now(): number {
    return this.#params.now?.() ?? Math.floor(Date.now() / 1000);
  }
}
