/**
 * Picks the providers of a path (pure). Providers outside the region policy (allow list, deny list of
 * ISO country codes) or below the reputation threshold are never chosen; the user's preferred
 * providers come first, in order; the rest are ranked by cost per unit of quality,
 *
 *   rank = price / reputation × (1 + rtt / 200 ms)
 *
 * lowest first (an unknown reputation counts as the prior, an unknown RTT as 0), ties broken at random
 * so load spreads. Providers in `exclude` (e.g. the one that just failed) are skipped. Where the client located
 * a provider (`located`: GeoIP of its endpoint), the region policy applies to that country, and a provider
 * whose claimed region it contradicts ranks as if its price were `REGION_MISMATCH_PENALTY` times higher.
 *
 * The last hop is the exit: it is always a provider whose signed offer is an exit (`offerRole`); a
 * relay-only provider is only ever an inner hop. Among the chosen, the best-placed exit moves last; if
 * none was chosen, the best exit beyond them takes the last place; with no eligible exit the path is empty.
 */
import { type Address, isAddressEqual } from 'viem';
import { offerRole, type SignedOffer } from '../net/offer.ts';
import { PRIOR, SELECTION_THRESHOLD } from '../reputation/reputation.ts';

export type RegionPolicy = { allow?: readonly string[]; deny?: readonly string[] };

export type SelectPathOptions = {
  prefer?: readonly Address[];
  exclude?: readonly Address[];
  regions?: RegionPolicy;
  /** Provider address (lower case) → reputation in [0, 1]. */
  reputation?: ReadonlyMap<string, number>;
  /** Provider address (lower case) → the client's own RTT measurement, ms. */
  rttMs?: ReadonlyMap<string, number>;
  /** Provider address (lower case) → the country its endpoint is in (GeoIP), when known. */
  located?: ReadonlyMap<string, string>;
  threshold?: number;
  random?: () => number;
};

/** RTT at which a provider's rank doubles. */
const RTT_SCALE_MS = 200;
/** A provider whose claimed region its address contradicts ranks as if this many times dearer. */
export const REGION_MISMATCH_PENALTY = 2;

/** The country a provider is in for the region policy: where it was located, else where it says it is. */
function regionOf(offer: SignedOffer, options: SelectPathOptions): string {
  return options.located?.get(offer.offer.provider.toLowerCase()) ?? offer.offer.region;
}

export function eligible(offer: SignedOffer, options: SelectPathOptions): boolean {
  const { provider } = offer.offer;
  const region = regionOf(offer, options);
  const { regions, exclude = [], reputation, threshold = SELECTION_THRESHOLD } = options;
  if (exclude.some((a) => isAddressEqual(a, provider))) return false;
  if (regions?.allow?.length && !regions.allow.includes(region)) return false;
  if (regions?.deny?.includes(region)) return false;
  return (reputation?.get(provider.toLowerCase()) ?? PRIOR) >= threshold;
}

export function rankOf(offer: SignedOffer, options: SelectPathOptions): number {
  const key = offer.offer.provider.toLowerCase();
  const reputation = Math.max(options.reputation?.get(key) ?? PRIOR, 1e-9);
  const rtt = options.rttMs?.get(key) ?? 0;
  const mismatch = regionOf(offer, options) !== offer.offer.region ? REGION_MISMATCH_PENALTY : 1;
  return ((Number(offer.offer.priceWeiPerGiB) * mismatch) / reputation) * (1 + rtt / RTT_SCALE_MS);
}

export function selectPath(
  offers: readonly SignedOffer[],
  hops: number,
  options: SelectPathOptions = {},
): SignedOffer[] {
  const { prefer = [], random = Math.random } = options;
  const usable = offers.filter((o) => eligible(o, options));
  const preferred = prefer
    .map((address) => usable.find((o) => isAddressEqual(o.offer.provider, address)))
    .filter((o): o is SignedOffer => o !== undefined);
  const rest = usable
    .filter((o) => !preferred.includes(o))
    .map((o) => ({ o, rank: rankOf(o, options), tie: random() }))
    .sort((a, b) => a.rank - b.rank || a.tie - b.tie)
    .map(({ o }) => o);
  const ordered = [...preferred, ...rest];
  const path = ordered.slice(0, hops);
  const isExit = (o: SignedOffer) => offerRole(o.offer) === 'exit';
  if (path.length === 0 || isExit(path.at(-1) as SignedOffer)) return path;
  const chosen = path.findIndex(isExit);
  if (chosen >= 0) {
    const [exit] = path.splice(chosen, 1) as [SignedOffer];
    return [...path, exit];
  }
  const next = ordered.slice(hops).find(isExit);
  return next ? [...path.slice(0, -1), next] : [];
}
