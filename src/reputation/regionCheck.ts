/**
 * Is a provider where it says? Two independent checks an auditor can make of a claimed region (ISO 3166
 * alpha-2), pure so the reasons are testable:
 *
 * - **Where its address is**: the country an offline GeoIP database places the provider's tunnel address in.
 *   A different country is a mismatch; a private or unknown address says nothing.
 * - **Round-trip time**: a packet cannot beat light in fibre (≈ 200 km per millisecond, one way). From the
 *   auditor's own declared country, the claimed country lies at least `gap` km away (centroid distance less
 *   both countries' radii, `sqrt(area / π)`); an RTT below `2 · gap / 200` ms (with a margin) proves the
 *   provider is closer than the claim allows. RTT can only prove "too close", never "too far" (routes wander).
 *
 * A VPN hides where its users are; a provider that lies about where *it* is sells the wrong thing (a user
 * choosing an exit in DE gets one elsewhere), so a mismatch costs reputation and is shown on the dashboard.
 */

/** One way, in fibre: about two thirds of c. */
export const FIBRE_KM_PER_MS = 200;
/** A measured RTT must be below this share of the physical minimum to count as proof (clock and jitter slack). */
export const RTT_MARGIN = 0.8;

export type Country = { code: string; lat: number; lon: number; areaKm2: number };

export type RegionVerdict =
  | { verdict: 'consistent'; located?: string }
  | { verdict: 'unknown'; reason: string }
  | { verdict: 'mismatch'; reason: string; located?: string; minRttMs?: number };

export type RegionEvidence = {
  claimed: string;
  /** Country of the provider's address by GeoIP; undefined for a private or unlisted address. */
  located?: string;
  /** Smallest RTT the auditor measured to the provider, ms. */
  rttMs?: number;
  /** The auditor's own declared country. */
  auditorRegion?: string;
};

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: Pick<Country, 'lat' | 'lon'>, b: Pick<Country, 'lat' | 'lon'>): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The least RTT (ms) physics allows between any point of `a` and any point of `b`. */
export function minRttMs(a: Country, b: Country): number {
  const radius = (c: Country) => Math.sqrt(c.areaKm2 / Math.PI);
  const gap = Math.max(0, distanceKm(a, b) - radius(a) - radius(b));
  return (2 * gap) / FIBRE_KM_PER_MS;
}

export function checkRegion(evidence: RegionEvidence, countries: ReadonlyMap<string, Country>): RegionVerdict {
  const claimed = evidence.claimed.toUpperCase();
  if (evidence.located !== undefined && evidence.located.toUpperCase() !== claimed) {
    return {
      verdict: 'mismatch',
      reason: `its address is in ${evidence.located}, not ${claimed}`,
      located: evidence.located,
    };
  }
  const from = evidence.auditorRegion ? countries.get(evidence.auditorRegion.toUpperCase()) : undefined;
  const to = countries.get(claimed);
  if (evidence.rttMs !== undefined && from && to) {
    const least = minRttMs(from, to);
    if (evidence.rttMs < least * RTT_MARGIN) {
      return {
        verdict: 'mismatch',
        reason: `a ${evidence.rttMs.toFixed(1)} ms round trip from ${from.code} is faster than light allows to ${claimed} (≥ ${least.toFixed(1)} ms)`,
        located: evidence.located,
        minRttMs: least,
      };
    }
  }
  if (evidence.located === undefined && (evidence.rttMs === undefined || !from))
    return { verdict: 'unknown', reason: 'a private or unlisted address, and no round trip to bound it' };
  return evidence.located === undefined
    ? { verdict: 'consistent' }
    : { verdict: 'consistent', located: evidence.located };
}
