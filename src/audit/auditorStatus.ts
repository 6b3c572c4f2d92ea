/**
 * The auditor's status as its local API serves it: the epoch, what it has published, anchored and
 * slashed, and every provider it knows with its reputation, eligibility, this auditor's last report, and
 * whether its claimed region holds (`regionCheck`: its endpoint's GeoIP country, and the round trip of this
 * auditor's canaries through it against the light-speed floor from the auditor's declared country).
 */
import type { Address } from 'viem';
import type { SignedOffer } from '../net/offer.ts';
import type { AuditReport } from '../reputation/auditReport.ts';
import { locateOffer } from '../reputation/locateOffers.ts';
import type { RegionVerdict } from '../reputation/regionCheck.ts';
import { PRIOR, SELECTION_THRESHOLD } from '../reputation/reputation.ts';

export type AuditorStatus = {
  address: Address;
  epoch: number;
  epochMs: number;
  reportsPublished: number;
  /** Epochs whose report digest this auditor anchored on chain (`ProviderRegistry.anchorReports`). */
  reportsAnchored: number;
  slashesSubmitted: number;
  providers: {
    provider: Address;
    reputation: number;
    eligible: boolean;
    last?: AuditReport;
    /** The claimed region against the endpoint's country and this auditor's canary round trips. */
    regionCheck: RegionVerdict;
  }[];
};

export type AuditorFigures = {
  address: Address;
  epochMs: number;
  offers: readonly SignedOffer[];
  /** Reputation by provider (lower-case address). */
  reputation: ReadonlyMap<string, number>;
  /** What the `ReportPublisher` counts, and this auditor's last report by provider (lower-case address). */
  publisher: { reportsPublished: number; reportsAnchored: number; last: ReadonlyMap<string, AuditReport> };
  /** What the `SlashCollector` counts. */
  slashes: { slashesSubmitted: number };
  /** The auditor's declared country (`bandex audit --region`). */
  region?: string;
};

export function auditorStatus(f: AuditorFigures, now = Date.now()): AuditorStatus {
  return {
    address: f.address,
    epoch: Math.floor(now / f.epochMs),
    epochMs: f.epochMs,
    reportsPublished: f.publisher.reportsPublished,
    reportsAnchored: f.publisher.reportsAnchored,
    slashesSubmitted: f.slashes.slashesSubmitted,
    providers: f.offers.map((o) => {
      const key = o.offer.provider.toLowerCase();
      const r = f.reputation.get(key);
      const last = f.publisher.last.get(key);
      // A canary goes auditor → provider → the auditor's target and back: its round trip bounds the provider's.
      const rttMs = last && last.rttMicros > 0 ? last.rttMicros / 1000 : undefined;
      return {
        provider: o.offer.provider,
        reputation: r ?? PRIOR,
        eligible: (r ?? PRIOR) >= SELECTION_THRESHOLD,
        last,
        regionCheck: locateOffer(o.offer, { rttMs, auditorRegion: f.region }).check,
      };
    }),
  };
}
