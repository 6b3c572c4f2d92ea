/**
 * Wire encoding of a signed offer: UTF-8 JSON
 * `{"v":1,"offer":{…fields, priceWeiPerGiB as a decimal string},"signature":"0x…","binding":"0x…"}`.
 * Field order is fixed but irrelevant: receivers verify the signatures over the decoded
 * values, never over the bytes.
 */
import type { SignedOffer } from './offer.ts';

/** 2: offers list their transports. */
export const OFFER_WIRE_VERSION = 2;

export function encodeOffer({ offer, signature, binding }: SignedOffer): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      v: OFFER_WIRE_VERSION,
      offer: {
        provider: offer.provider,
        peerId: offer.peerId,
        chainId: offer.chainId,
        priceWeiPerGiB: offer.priceWeiPerGiB.toString(),
        region: offer.region,
        capacityBytesPerSecond: offer.capacityBytesPerSecond,
        endpoints: offer.endpoints,
        tunnelPublicKey: offer.tunnelPublicKey,
        transports: offer.transports,
        protocols: offer.protocols,
        issuedAt: offer.issuedAt,
        expiresAt: offer.expiresAt,
        sequence: offer.sequence,
      },
      signature,
      binding,
    }),
  );
}
