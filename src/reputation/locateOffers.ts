/**
 * Where each offering provider really is, as far as the client can tell by itself: the GeoIP country of its
 * tunnel endpoint (offline database) checked against the region it claims (`reputation/regionCheck.ts`).
 * Selection applies the region policy to the located country when known, and ranks a provider whose claim is
 * contradicted as if its price were doubled; the client's dashboard shows the verdict.
 */
import type { SignedOffer } from '../net/offer.ts';
import { parseEndpoint } from '../net/parseEndpoint.ts';
import { countryTable, locateAddress } from './locateAddress.ts';
import { checkRegion, type RegionVerdict } from './regionCheck.ts';

export type OfferLocation = { located?: string; check: RegionVerdict };

/**
 * The GeoIP country of the offer's first endpoint with an address (names are not resolved: not trusted), and
 * the verdict on its claimed region; with an auditor's round trip through it (`rttMs`, from `auditorRegion`),
 * the light-speed floor too.
 */
export function locateOffer(
  offer: SignedOffer['offer'],
  measured: { rttMs?: number; auditorRegion?: string } = {},
): OfferLocation {
  let located: string | undefined;
  for (const text of offer.endpoints) {
    const endpoint = parseEndpoint(text);
    located = endpoint && locateAddress(endpoint.host);
    if (located) break;
  }
  return { located, check: checkRegion({ claimed: offer.region, located, ...measured }, countryTable()) };
}

/** Provider (lower case) → its located country, for the offers whose endpoint could be placed. */
export function locatedRegions(offers: readonly SignedOffer[]): Map<string, string> {
  const located = new Map<string, string>();
  for (const { offer } of offers) {
    const { located: country } = locateOffer(offer);
    if (country) located.set(offer.provider.toLowerCase(), country);
  }
  return located;
}
