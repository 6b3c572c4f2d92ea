/**
 * Checks a decoded offer: right chain, inside its validity window (with clock-skew
 * tolerance), EIP-712 signature by `offer.provider`, and a valid peer binding for
 * (peerId, provider, chainId). Stateless: sequence and registry checks belong to the
 * `OfferDirectory`.
 */
import { isAddressEqual, recoverTypedDataAddress } from 'viem';
import { MAX_CLOCK_SKEW_SECONDS, MAX_OFFER_TTL_SECONDS } from './constants.ts';
import { OfferError } from './errors.ts';
import { offerTypedData, type SignedOffer } from './offer.ts';
import { verifyPeerBinding } from './verifyPeerBinding.ts';

export type VerifyOfferOptions = {
  /** The chain this node settles on; offers for another chain are rejected. */
  chainId: number;
  /** Current unix time in seconds (injected for tests). */
  nowSeconds?: number;
};

/**
 * @throws {OfferError} `NET_OFFER_WRONG_CHAIN`, `NET_OFFER_EXPIRED`, `NET_OFFER_NOT_YET_VALID`,
 *   `NET_OFFER_MALFORMED` (lifetime too long), `NET_OFFER_BAD_SIGNATURE`, `NET_OFFER_BAD_BINDING`.
 */
export async function verifyOffer(signed: SignedOffer, options: VerifyOfferOptions): Promise<void> {
  checkOfferTime(signed, options);
  const { offer } = signed;
  const meta = { provider: offer.provider };
  let signer: `0x${string}`;
  try {
    signer = await recoverTypedDataAddress({ ...offerTypedData(offer), signature: signed.signature });
  } catch (cause) {
    throw new OfferError('NET_OFFER_BAD_SIGNATURE', 'the EIP-712 signature does not recover', meta, cause);
  }
  if (!isAddressEqual(signer, offer.provider)) {
    throw new OfferError('NET_OFFER_BAD_SIGNATURE', `signed by ${signer}, not by ${offer.provider}`, meta);
  }
  try {
    await verifyPeerBinding({
      peerId: offer.peerId,
      address: offer.provider,
      chainId: offer.chainId,
      signature: signed.binding,
    });
  } catch (cause) {
    throw new OfferError('NET_OFFER_BAD_BINDING', 'the peer binding is invalid', meta, cause);
  }
}

/** The cheap, synchronous part of `verifyOffer` (chain and time), to run before any signature check. */
export function checkOfferTime({ offer }: SignedOffer, { chainId, nowSeconds }: VerifyOfferOptions): void {
  const meta = { provider: offer.provider };
  const now = nowSeconds ?? Math.floor(Date.now() / 1000);
  if (offer.chainId !== chainId) {
    throw new OfferError('NET_OFFER_WRONG_CHAIN', `it is for chain ${offer.chainId}, this node uses ${chainId}`, meta);
  }
  if (offer.expiresAt <= now) throw new OfferError('NET_OFFER_EXPIRED', `it expired at ${offer.expiresAt}`, meta);
  if (offer.issuedAt > now + MAX_CLOCK_SKEW_SECONDS) {
    throw new OfferError('NET_OFFER_NOT_YET_VALID', `issued at ${offer.issuedAt}, in the future`, meta);
  }
  if (offer.expiresAt - offer.issuedAt > MAX_OFFER_TTL_SECONDS) {
    throw new OfferError('NET_OFFER_MALFORMED', `lifetime above ${MAX_OFFER_TTL_SECONDS} s`, meta);
  }
}
