/**
 * Picks the providers of a path (pure): `hops` distinct providers from the offers held, the ones
 * the user named first (in order), then the cheapest, ties broken at random so load spreads.
 */
import { type Address, isAddressEqual } from 'viem';
import type { SignedOffer } from '../net/offer.ts';

export function selectPath(
  offers: readonly SignedOffer[],
  hops: number,
  { prefer = [], random = Math.random }: { prefer?: readonly Address[]; random?: () => number } = {},
): SignedOffer[] {
  const preferred = prefer
    .map((address) => offers.find((o) => isAddressEqual(o.offer.provider, address)))
    .filter((o): o is SignedOffer => o !== undefined);
  const rest = offers
    .filter((o) => !preferred.includes(o))
    .map((o) => ({ o, tie: random() }))
    .sort((a, b) =>
      a.o.offer.priceWeiPerGiB === b.o.offer.priceWeiPerGiB
        ? a.tie - b.tie
        : a.o.offer.priceWeiPerGiB < b.o.offer.priceWeiPerGiB
          ? -1
          : 1,
    )
    .map(({ o }) => o);
  return [...preferred, ...rest].slice(0, hops);
}
