/**
 * The gossipsub topic validator of `OFFERS_TOPIC`: decides what a node forwards. It
 * runs only stateless checks that take about a millisecond (decode, chain, time, both
 * signatures, and that the gossip author is the offer's peer), as gossipsub asks
 * validators to be fast. Registry checks happen after, in the `OfferDirectory`.
 *
 * Broken or forged offers are `Reject`ed (the forwarding peer's score drops); offers
 * that are merely out of date or for another chain are `Ignore`d.
 */
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import { decodeOffer } from './decodeOffer.ts';
import { OfferError } from './errors.ts';
import type { SignedOffer } from './offer.ts';
import { verifyOffer } from './verifyOffer.ts';

export type CreateOfferTopicValidatorParameters = {
  chainId: number;
  /** Called for each offer that passed, after it was accepted for forwarding. */
  onValid?: (offer: SignedOffer) => void;
  /** Called for each rejected or ignored offer. */
  onInvalid?: (error: OfferError) => void;
  logger?: Logger;
  /** Current unix time in seconds (tests). */
  now?: () => number;
};

const IGNORED = new Set(['NET_OFFER_EXPIRED', 'NET_OFFER_NOT_YET_VALID', 'NET_OFFER_WRONG_CHAIN']);

export function createOfferTopicValidator(params: CreateOfferTopicValidatorParameters) {
  const log = (params.logger ?? silentLogger).child({ module: 'offers' });
  return async (_propagationSource: PeerId, message: Message): Promise<TopicValidatorResult> => {
    try {
      const signed = decodeOffer(message.data);
      if (message.type === 'signed' && message.from.toString() !== signed.offer.peerId) {
        throw new OfferError('NET_OFFER_WRONG_SENDER', `published by ${message.from}, not by ${signed.offer.peerId}`, {
          provider: signed.offer.provider,
        });
      }
      await verifyOffer(signed, { chainId: params.chainId, nowSeconds: params.now?.() });
      if (params.onValid) queueMicrotask(() => params.onValid?.(signed));
      return TopicValidatorResult.Accept;
    } catch (error) {
      const offerError =
        error instanceof OfferError ? error : new OfferError('NET_OFFER_MALFORMED', 'validation failed', {}, error);
      log.debug({ code: offerError.code, provider: offerError.meta.provider }, 'offer dropped');
      params.onInvalid?.(offerError);
      return IGNORED.has(offerError.code) ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
    }
  };
}
