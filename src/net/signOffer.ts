/** Signs an offer (EIP-712) and its peer binding with the provider's chain account. */
import { getAddress, type LocalAccount } from 'viem';
import type { Offer, SignedOffer } from './offer.ts';
import { offerTypedData } from './offer.ts';
import { signPeerBinding } from './signPeerBinding.ts';

export type SignOfferParameters = Omit<Offer, 'provider'>;

/**
 * The account's address becomes `offer.provider`.
 *
 * @example
 * const signed = await signOffer(account, { peerId, chainId, priceWeiPerGiB: 10n ** 15n, region: 'DE', ... })
 */
export async function signOffer(account: LocalAccount, fields: SignOfferParameters): Promise<SignedOffer> {
  if (!account.signTypedData) throw new TypeError('the account cannot sign typed data');
  const offer: Offer = { ...fields, provider: getAddress(account.address) };
  const signature = await account.signTypedData(offerTypedData(offer));
  const binding = await signPeerBinding(account, offer.peerId, offer.chainId);
  return { offer, signature, binding: binding.signature };
}
