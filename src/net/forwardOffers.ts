/**
 * Makes a node that neither publishes nor collects offers (a relay or bootstrap node)
 * join `OFFERS_TOPIC`, so gossip reaches clients that are connected only to it. It
 * forwards only offers that pass the stateless checks of `createOfferTopicValidator`.
 */
import type { Logger } from '../log/logger.ts';
import { OFFERS_TOPIC } from './constants.ts';
import type { BandexNode } from './createBandexNode.ts';
import { createOfferTopicValidator } from './createOfferTopicValidator.ts';

/** Returns a function that leaves the topic again. */
export function forwardOffers(node: BandexNode, { chainId, logger }: { chainId: number; logger?: Logger }): () => void {
  const { pubsub } = node.services;
  if (!pubsub.topicValidators.has(OFFERS_TOPIC)) {
    pubsub.topicValidators.set(OFFERS_TOPIC, createOfferTopicValidator({ chainId, logger }));
  }
  pubsub.subscribe(OFFERS_TOPIC);
  return () => {
    pubsub.unsubscribe(OFFERS_TOPIC);
    pubsub.topicValidators.delete(OFFERS_TOPIC);
  };
}
