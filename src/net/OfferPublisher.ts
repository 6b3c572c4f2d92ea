/**
 * The provider side of offers: signs the current offer with the provider's chain
 * account and publishes it on `OFFERS_TOPIC` now and every `OFFER_REFRESH_INTERVAL_MS`,
 * each with a higher sequence number (seeded from the clock, so it keeps rising
 * across restarts without persisted state) and a lifetime of `OFFER_TTL_SECONDS`.
 * It subscribes to the topic too, so providers forward each other's offers.
 */
import type { LocalAccount } from 'viem';
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import {
  OFFER_REFRESH_INTERVAL_MS,
  OFFER_TTL_SECONDS,
  OFFERS_TOPIC,
  RELAY_ONLY_PROTOCOL,
  SUPPORTED_PROTOCOLS,
} from './constants.ts';
import type { BandexNode } from './createBandexNode.ts';
import { createOfferTopicValidator } from './createOfferTopicValidator.ts';
import { encodeOffer } from './encodeOffer.ts';
import type { Offer, OfferRole, SignedOffer } from './offer.ts';
import { signOffer } from './signOffer.ts';

/** What the provider sells right now; read before every publication (price or endpoints may change). */
export type OfferContent = Pick<
  Offer,
  'priceWeiPerGiB' | 'region' | 'capacityBytesPerSecond' | 'endpoints' | 'tunnelPublicKey'
> & {
  protocols?: string[];
  /** `relay-only` adds `RELAY_ONLY_PROTOCOL` to the protocols (ignored when `protocols` is given). */
  role?: OfferRole;
  /** How hop 1 may connect (`transport/`); none: `plain` on `endpoints`. */
  transports?: Offer['transports'];
};

export type OfferPublisherParameters = {
  node: BandexNode;
  account: LocalAccount;
  chainId: number;
  content: () => OfferContent | Promise<OfferContent>;
  logger?: Logger;
  /** Overrides `OFFER_REFRESH_INTERVAL_MS` (tests). */
  intervalMs?: number;
  /** Overrides `OFFER_TTL_SECONDS` (tests). */
  ttlSeconds?: number;
};

/**
 * @example
 * const publisher = new OfferPublisher({ node, account, chainId, content: () => ({ priceWeiPerGiB, region: 'DE', ... }) })
 * publisher.start()
 * // ...
 * publisher.stop()
 */
/** Delay before republishing for a new subscriber: lets its subscription settle, batches a crowd. */
const NEW_SUBSCRIBER_REPUBLISH_MS = 500;

export class OfferPublisher {
  readonly #params: OfferPublisherParameters;
  readonly #log: Logger;
  #sequence = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #controller = new AbortController();
  #last: SignedOffer | undefined;

  constructor(params: OfferPublisherParameters) {
    this.#params = params;
    this.#log = (params.logger ?? silentLogger).child({ module: 'offer-publisher' });
  }

  /** The last offer published. */
  get current(): SignedOffer | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#timer) return;
    const { pubsub } = this.#params.node.services;
    if (!pubsub.topicValidators.has(OFFERS_TOPIC)) {
      pubsub.topicValidators.set(
        OFFERS_TOPIC,
        createOfferTopicValidator({ chainId: this.#params.chainId, logger: this.#params.logger }),
      );
    }
    pubsub.subscribe(OFFERS_TOPIC);
    this.#controller = new AbortController();
    const tick = () => {
      this.publishNow({ signal: this.#controller.signal }).catch((error: unknown) => {
        if (!this.#controller.signal.aborted) this.#log.warn({ err: error }, 'offer not published');
      });
    };
    this.#timer = setInterval(tick, this.#params.intervalMs ?? OFFER_REFRESH_INTERVAL_MS);
    tick();
    // A peer that joins the topic (a client starting) gets the current offer at once, not at the
    // next refresh: republish shortly after any new subscriber (debounced, so a crowd costs one).
    let pending: ReturnType<typeof setTimeout> | undefined;
    const onSubscription = (event: CustomEvent<{ subscriptions: { topic: string; subscribe: boolean }[] }>) => {
      if (pending || !event.detail.subscriptions.some((s) => s.topic === OFFERS_TOPIC && s.subscribe)) return;
      pending = setTimeout(() => {
        pending = undefined;
        tick();
      }, NEW_SUBSCRIBER_REPUBLISH_MS);
    };
    pubsub.addEventListener('subscription-change', onSubscription);
    this.#controller.signal.addEventListener('abort', () => {
      clearTimeout(pending);
      pubsub.removeEventListener('subscription-change', onSubscription);
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#controller.abort(new Error('offer publisher stopped'));
  }

  /** Signs and publishes the offer once; returns it. */
  async publishNow({ signal }: { signal?: AbortSignal } = {}): Promise<SignedOffer> {
    const { node, account, chainId } = this.#params;
    const content = await this.#params.content();
    signal?.throwIfAborted();
    const issuedAt = Math.floor(Date.now() / 1000);
    this.#sequence = Math.max(this.#sequence + 1, Date.now());
    const signed = await signOffer(account, {
      peerId: node.peerId.toString(),
      chainId,
      priceWeiPerGiB: content.priceWeiPerGiB,
      region: content.region,
      capacityBytesPerSecond: content.capacityBytesPerSecond,
      endpoints: content.endpoints,
      tunnelPublicKey: content.tunnelPublicKey,
      transports: content.transports ?? [],
      protocols:
        content.protocols ??
        (content.role === 'relay-only' ? [...SUPPORTED_PROTOCOLS, RELAY_ONLY_PROTOCOL] : [...SUPPORTED_PROTOCOLS]),
      issuedAt,
      expiresAt: issuedAt + (this.#params.ttlSeconds ?? OFFER_TTL_SECONDS),
      sequence: this.#sequence,
    });
    signal?.throwIfAborted();
    const result = await node.services.pubsub.publish(OFFERS_TOPIC, encodeOffer(signed));
    this.#last = signed;
    this.#log.debug({ sequence: signed.offer.sequence, recipients: result.recipients.length }, 'offer published');
    return signed;
  }
}
