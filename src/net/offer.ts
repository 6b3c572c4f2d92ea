/**
 * Offers: a provider's signed advertisement of what it sells and where its tunnel
 * listens. Published on gossipsub (`OFFERS_TOPIC`) and refreshed every minute.
 *
 * An offer is signed twice by the provider's chain account:
 * - EIP-712 over `Offer` below, domain `{ name: "Bandex Offers", version: "2", chainId }`
 *   (version 2 added `transports`: how hop 1 may connect, `docs/transports.md`)
 *   (no `verifyingContract`: offers are not tied to one deployment, the registry check is);
 * - the peer binding (`peerBinding.ts`) for `peerId` on `chainId`, so a receiver that
 *   only knows the binding format (the DHT, a dashboard) can check the peer id too.
 *
 * The type string is part of the protocol: change it only with a new domain version
 * and a new topic.
 */
import type { Address, Hex, TypedDataDomain } from 'viem';
import type { OfferTransport } from '../transport/transportSpec.ts';
import { RELAY_ONLY_PROTOCOL } from './constants.ts';
import { x25519KeyToBytes32 } from './x25519Key.ts';

export const OFFERS_DOMAIN_NAME = 'Bandex Offers';
export const OFFERS_DOMAIN_VERSION = '2';

export const offerTypes = {
  Offer: [
    { name: 'provider', type: 'address' },
    { name: 'peerId', type: 'string' },
    { name: 'priceWeiPerGiB', type: 'uint256' },
    { name: 'region', type: 'string' },
    { name: 'capacityBytesPerSecond', type: 'uint64' },
    { name: 'endpoints', type: 'string[]' },
    { name: 'tunnelPublicKey', type: 'bytes32' },
    { name: 'transports', type: 'Transport[]' },
    { name: 'protocols', type: 'string[]' },
    { name: 'issuedAt', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'sequence', type: 'uint64' },
  ],
  Transport: [
    { name: 'name', type: 'string' },
    { name: 'endpoint', type: 'string' },
    { name: 'params', type: 'string' },
  ],
} as const;

export function offersDomain(chainId: number): TypedDataDomain {
  return { name: OFFERS_DOMAIN_NAME, version: OFFERS_DOMAIN_VERSION, chainId };
}

/** The fields of an offer. */
export type Offer = {
  /** The provider's chain address (EIP-55), the registry key. */
  provider: Address;
  /** base58btc libp2p peer id of the provider's daemon. */
  peerId: string;
  chainId: number;
  /** Price in wei per GiB (2^30 bytes); must equal the registry's. */
  priceWeiPerGiB: bigint;
  /** ISO 3166-1 alpha-2 country code, upper case. */
  region: string;
  /** Claimed capacity in bytes per second. */
  capacityBytesPerSecond: number;
  /** Data-plane tunnel endpoints, `host:port` (see `parseEndpoint`). */
  endpoints: string[];
  /** The tunnel's X25519 static public key, canonical base64 of 32 bytes. */
  tunnelPublicKey: string;
  /**
   * The transports hop 1 may use, each with its endpoint and parameters (`transport/transportSpec.ts`):
   * an obfs pre-shared key or a wss secret path is signed with the rest. May be empty (then `plain` on `endpoints`).
   */
  transports: OfferTransport[];
  /** Protocol identifiers spoken, e.g. `/bandex/session/2`. */
  protocols: string[];
  /** Unix seconds. */
  issuedAt: number;
  /** Unix seconds; after this the offer is void. */
  expiresAt: number;
  /** Strictly increasing per provider; a receiver drops an offer not newer than the one it holds. */
  sequence: number;
};

/** What a provider carries for others: `exit` (the default) or `relay-only` (RELAY hops only). */
export type OfferRole = 'exit' | 'relay-only';

/** The role an offer signs (`RELAY_ONLY_PROTOCOL` among its protocols), `exit` otherwise. */
export function offerRole(offer: Pick<Offer, 'protocols'>): OfferRole {
  return offer.protocols.includes(RELAY_ONLY_PROTOCOL) ? 'relay-only' : 'exit';
}

/** An offer with its two signatures. */
export type SignedOffer = {
  offer: Offer;
  /** EIP-712 signature over `Offer` (65 bytes, 0x-hex). */
  signature: Hex;
  /** EIP-191 peer-binding signature for (peerId, provider, chainId). */
  binding: Hex;
};

/** The EIP-712 message of an offer, as viem's `signTypedData`/`hashTypedData` take it. */
export function offerTypedData(offer: Offer) {
  return {
    domain: offersDomain(offer.chainId),
    types: offerTypes,
    primaryType: 'Offer' as const,
    message: {
      provider: offer.provider,
      peerId: offer.peerId,
      priceWeiPerGiB: offer.priceWeiPerGiB,
      region: offer.region,
      capacityBytesPerSecond: BigInt(offer.capacityBytesPerSecond),
      endpoints: offer.endpoints,
      tunnelPublicKey: x25519KeyToBytes32(offer.tunnelPublicKey),
      transports: offer.transports.map(({ name, endpoint, params }) => ({ name, endpoint, params })),
      protocols: offer.protocols,
      issuedAt: BigInt(offer.issuedAt),
      expiresAt: BigInt(offer.expiresAt),
      sequence: BigInt(offer.sequence),
    },
  };
}
